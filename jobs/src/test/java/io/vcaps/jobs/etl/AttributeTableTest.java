package io.vcaps.jobs.etl;

import io.vcaps.spark.JobFailure;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Parsing CelebA-style attribute files, good rows and bad. */
class AttributeTableTest {
    private static AttributeTable parse(String text) throws Exception {
        return AttributeTable.parse(new StringReader(text), "attrs.txt");
    }

    @Test
    void celebaFormatWithCountLineAndAlignedColumns() throws Exception {
        AttributeTable table = parse("3\nSmiling Young  Male\n000001.jpg -1  1  1\n000002.jpg  1 -1 -1\nsub/000003.jpg "
                + "1 1 1\n");
        assertEquals(List.of("Smiling", "Young", "Male"), table.names());
        assertArrayEquals(new int[] {1, 2}, table.rows().get("000001.jpg").present());
        assertArrayEquals(new int[] {0}, table.rows().get("000002.jpg").present());
        assertArrayEquals(new int[] {0, 1, 2}, table.rows().get("sub/000003.jpg").present());
        assertEquals(4, table.rows().get("000002.jpg").line());
        assertEquals(List.of(), table.rejects());
    }

    @Test
    void csvWithFileColumnInTheHeader() throws Exception {
        AttributeTable table = parse("image_id,Smiling,Young\r\na.png,1,-1\r\nb.png,+1,1\r\n");
        assertEquals(List.of("Smiling", "Young"), table.names());
        assertArrayEquals(new int[] {0}, table.rows().get("a.png").present());
        assertArrayEquals(new int[] {0, 1}, table.rows().get("b.png").present());
    }

    @Test
    void badRowsBecomeRejectsWithLineNumbers() throws Exception {
        AttributeTable table = parse("Smiling Young\n"
                + "ok.png 1 -1\n"
                + "zero.png 0 1\n"
                + "../secret.png 1 1\n"
                + "/etc/passwd 1 1\n"
                + "short.png 1\n"
                + "ok.png -1 -1\n"
                + "./x/../fine.png -1 1\n");
        assertEquals(List.of("ok.png", "fine.png"), List.copyOf(table.rows().keySet()));
        List<Reject> rejects = table.rejects();
        assertEquals(List.of("bad_value", "outside_input", "outside_input", "bad_row", "duplicate_row"),
                rejects.stream().map(Reject::reason).toList());
        assertEquals(List.of("attrs.txt:3", "attrs.txt:4", "attrs.txt:5", "attrs.txt:6", "attrs.txt:7"),
                rejects.stream().map(Reject::path).toList());
        assertEquals("attributes", rejects.get(0).stage());
        assertEquals("attribute Smiling of zero.png is '0', expected +1 or -1", rejects.get(0).detail());
    }

    @Test
    void namesThatLeaveTheFolderAreRefused() {
        assertNull(AttributeTable.normalise("../a.png"));
        assertNull(AttributeTable.normalise("a/../../a.png"));
        assertNull(AttributeTable.normalise("/abs.png"));
        assertNull(AttributeTable.normalise("hdfs://nn/a.png"));
        assertEquals("a/b.png", AttributeTable.normalise("a//./b.png"));
        assertEquals("b.png", AttributeTable.normalise("a/../b.png"));
    }

    @Test
    void aFileWithoutHeaderIsAnError() {
        assertThrows(JobFailure.class, () -> parse("\n\n"));
        assertThrows(JobFailure.class, () -> parse("A B C\nx.png 1\ny.png 1\n"));
    }
}
