package io.vcaps.jobs.report;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Text from runs (paths, entity names, configuration) reaches the page as text, never as markup. */
class ReportPageTest {
    private static final String HOSTILE = "<script>alert('x')</script> & \"quoted\" <img src=x onerror=alert(1)>";

    @Test
    void everyTextAndAttributeIsEscaped() {
        ReportPage page = new ReportPage("run " + HOSTILE, "written " + HOSTILE);
        Element section = page.section("s", HOSTILE);
        page.paragraph(section, HOSTILE);
        page.note(section, HOSTILE);
        page.figure(section, new Figure("a\"b.png", new byte[0], HOSTILE));
        page.labelledFigures(section, Map.of(HOSTILE, new Figure("c.png", new byte[0], HOSTILE)));
        page.table(section, List.of(HOSTILE), List.of(List.of(HOSTILE)));
        page.definitions(section, Map.of(HOSTILE, HOSTILE));
        page.preformatted(section, HOSTILE);
        String html = page.html();

        assertFalse(html.contains("<script>alert"), html);
        assertFalse(html.contains("<img src=x"), html);
        Document parsed = Jsoup.parse(html);
        assertEquals(1, parsed.select("script").size(), "only the page's own image check script");
        assertEquals(List.of("a\"b.png", "c.png"), parsed.select("img").eachAttr("src"), "only the figures' pictures");
        assertEquals(2, page.images());
        assertEquals(List.of(HOSTILE, HOSTILE), parsed.select("img").eachAttr("alt"));
        assertEquals("run " + HOSTILE, parsed.title());
        for (String selector : List.of("h2", "p.note", "figcaption", "th", "td", "pre")) {
            assertTrue(parsed.select(selector).eachText().contains(HOSTILE), selector + ": " + parsed.select(selector));
        }
        assertTrue(html.startsWith("<!doctype html>"), html.substring(0, 40));
    }
}
