package io.vcaps.jobs.report;

import org.jsoup.nodes.DataNode;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.DocumentType;
import org.jsoup.nodes.Element;

import java.util.List;
import java.util.Map;

/**
 * The report's HTML document, built with jsoup so that every text and attribute put into it is escaped: sections of
 * headings, paragraphs, notes, figures (PNG files beside the page), tables and preformatted text. The page carries
 * a small script that, once the page has loaded, counts its images that loaded and those that did not into the
 * element {@code #image-check}: a person sees at a glance that nothing is missing, and a headless browser can check
 * the same.
 */
final class ReportPage {
    private static final String STYLE = """
            body { font-family: sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
            h1 { font-size: 1.5em; word-break: break-all; }
            h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
            .grid { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
            figure { margin: 0 0 1em 0; display: table; }
            figcaption { display: table-caption; caption-side: bottom; font-size: .85em; color: #555; }
            table.strips th { font-weight: normal; white-space: nowrap; }
            table.strips td, table.strips th { border: none; padding: .1em .5em .1em 0; vertical-align: middle; }
            img { image-rendering: pixelated; border: 1px solid #ddd; max-width: 100%; }
            table { border-collapse: collapse; margin: .5em 0 1em 0; font-size: .9em; }
            th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            .note { color: #8a5a00; background: #fff7e0; padding: .4em .6em; border-left: 3px solid #e0a000; }
            .headline { font-size: 1.3em; }
            pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .85em; }
            footer { margin-top: 3em; font-size: .8em; color: #777; }
            """;
    /** Counts loaded and broken images into #image-check once everything has loaded. */
    private static final String IMAGE_CHECK = """
            window.addEventListener('load', function () {
              var images = document.images, loaded = 0, broken = [];
              for (var i = 0; i < images.length; i++) {
                if (images[i].complete && images[i].naturalWidth > 0) { loaded++; }
                else { broken.push(images[i].getAttribute('src')); }
              }
              var check = document.getElementById('image-check');
              check.setAttribute('data-total', images.length);
              check.setAttribute('data-loaded', loaded);
              check.setAttribute('data-broken', broken.length);
              check.textContent = loaded + ' of ' + images.length + ' images loaded'
                  + (broken.length ? '; not loaded: ' + broken.join(', ') : '');
            });
            """;

    private final Document document;
    private final Element main;

    ReportPage(String title, String generated) {
        document = Document.createShell("");
        document.prependChild(new DocumentType("html", "", ""));
        document.outputSettings().charset("UTF-8");
        document.head().appendElement("meta").attr("charset", "utf-8");
        document.title(title);
        document.head().appendElement("style").appendChild(new DataNode(STYLE));
        Element body = document.body();
        body.appendElement("h1").text(title);
        main = body.appendElement("main");
        Element footer = body.appendElement("footer");
        footer.appendElement("p").text(generated);
        footer.appendElement("p").id("image-check").attr("data-total", "-1")
                .text("image check: not run (the page has not finished loading, or scripts are off)");
        body.appendElement("script").appendChild(new DataNode(IMAGE_CHECK));
    }

    /** A new section with an id and a heading, at the end of the page. */
    Element section(String id, String heading) {
        Element section = main.appendElement("section").id(id);
        section.appendElement("h2").text(heading);
        return section;
    }

    Element paragraph(Element parent, String text) {
        return parent.appendElement("p").text(text);
    }

    /** A remark that something is missing or off, set apart from the content. */
    Element note(Element parent, String text) {
        return parent.appendElement("p").addClass("note").text(text);
    }

    /** The figure's picture, by its file name relative to the page, with its caption. */
    Element figure(Element parent, Figure figure) {
        Element element = parent.appendElement("figure");
        element.appendElement("img").attr("src", figure.file()).attr("alt", figure.caption());
        element.appendElement("figcaption").text(figure.caption());
        return element;
    }

    /** Figures one under the other, each beside its label, for pictures that line up (a strip per entity). */
    Element labelledFigures(Element parent, Map<String, Figure> figures) {
        Element table = parent.appendElement("table").addClass("strips");
        figures.forEach((label, figure) -> {
            Element tr = table.appendElement("tr");
            tr.appendElement("th").text(label);
            tr.appendElement("td").appendElement("img").attr("src", figure.file()).attr("alt", figure.caption());
        });
        return table;
    }

    /** A row of figures that wraps. */
    Element grid(Element parent) {
        return parent.appendElement("div").addClass("grid");
    }

    /** A table with a header row; cells that look like numbers are right-aligned. */
    Element table(Element parent, List<String> header, List<List<String>> rows) {
        Element table = parent.appendElement("table");
        Element head = table.appendElement("thead").appendElement("tr");
        header.forEach(h -> head.appendElement("th").text(h));
        Element body = table.appendElement("tbody");
        for (List<String> row : rows) {
            Element tr = body.appendElement("tr");
            for (String cell : row) {
                Element td = tr.appendElement("td").text(cell);
                if (cell.matches("-?[0-9][0-9.,eE+-]*%?")) {
                    td.addClass("num");
                }
            }
        }
        return table;
    }

    /** A two-column table of names and values, in the map's order. */
    Element definitions(Element parent, Map<String, String> values) {
        Element table = parent.appendElement("table");
        values.forEach((k, v) -> {
            Element tr = table.appendElement("tr");
            tr.appendElement("th").text(k);
            tr.appendElement("td").text(v);
        });
        return table;
    }

    Element preformatted(Element parent, String text) {
        return parent.appendElement("pre").text(text);
    }

    /** Number of pictures on the page. */
    int images() {
        return document.select("img").size();
    }

    /** The page as HTML (UTF-8). */
    String html() {
        return document.outerHtml();
    }
}
