package io.vcaps.jobs.etl;

import io.vcaps.core.vcn.EntityNames;
import io.vcaps.dataset.RejectReason;
import io.vcaps.spark.JobFailure;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A CelebA-style attribute file: optionally a first line with the row count, a header of attribute
 * names, then one row per image file: its name relative to the image folder and a +1 (present) or -1
 * (absent) per attribute. Fields are separated by whitespace, or by commas when the header has
 * commas; a header that also names the file column ({@code image_id,...}) is recognised by rows
 * having as many fields as the header. Bad rows are kept as rejects with their line number.
 */
final class AttributeTable implements Serializable {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern COMMA = Pattern.compile("\\s*,\\s*");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    /** An accepted row: the line it came from and the indices of the present attributes. */
    public record Entry(int line, int[] present) implements Serializable {
    }

    private final List<String> names;
    private final Map<String, Entry> rows;
    private final List<Reject> rejects;

    private AttributeTable(List<String> names, Map<String, Entry> rows, List<Reject> rejects) {
        this.names = names;
        this.rows = rows;
        this.rejects = rejects;
    }

    /** Reads the attribute file at {@code file} on the driver. */
    public static AttributeTable read(Configuration conf, String file) throws IOException {
        Path path = new Path(file);
        FileSystem fs = path.getFileSystem(conf);
        path = fs.makeQualified(path);
        if (!fs.getFileStatus(path).isFile()) {
            throw new JobFailure("attribute file is not a file: " + path);
        }
        try (Reader reader = new InputStreamReader(fs.open(path), StandardCharsets.UTF_8)) {
            return parse(reader, path.toString());
        }
    }

    /** Parses attribute text; {@code where} names the file in rejects and errors. */
    public static AttributeTable parse(Reader text, String where) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(text)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        }
        int at = nextNonBlank(lines, 0);
        if (at < lines.size() && lines.get(at).strip().replace("\uFEFF", "").matches("\\d+")) {
            at = nextNonBlank(lines, at + 1);
        }
        if (at >= lines.size()) {
            throw new JobFailure("attribute file " + where + " has no header of attribute names");
        }
        String header = lines.get(at).replace("\uFEFF", "").strip();
        Pattern separator = header.contains(",") ? COMMA : WHITESPACE;
        List<String> names = new ArrayList<>(Arrays.asList(separator.split(header)));
        int headerLine = at + 1;

        List<String[]> fields = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        Map<Integer, Integer> widths = new HashMap<>();
        for (int i = headerLine; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty()) {
                String[] row = separator.split(line);
                fields.add(row);
                lineNumbers.add(i + 1);
                widths.merge(row.length, 1, Integer::sum);
            }
        }
        int width = widths.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(names.size() + 1);
        if (width == names.size() && names.size() > 1) {
            names.remove(0);
        } else if (width != names.size() + 1) {
            throw new JobFailure("attribute file " + where + ": the header on line " + headerLine + " names "
                    + names.size()
                    + " attributes but most rows have " + width + " fields");
        }
        String badName = EntityNames.problem(names, "attribute");
        if (badName != null) {
            throw new JobFailure("attribute file " + where + ": the header on line " + headerLine + " names "
                    + badName + "; attributes become entity names, which name files and bundle entries: rename it"
                    + " in the header (docs/DATA.md, \"Entity names\")");
        }

        Map<String, Entry> rows = new LinkedHashMap<>();
        List<Reject> rejects = new ArrayList<>();
        for (int r = 0; r < fields.size(); r++) {
            String[] row = fields.get(r);
            String at2 = where + ":" + lineNumbers.get(r);
            if (row.length != names.size() + 1) {
                rejects.add(Reject.of(RejectReason.BAD_ROW, at2, "the row has " + row.length + " fields, expected "
                        + (names.size() + 1) + " (a file name and " + names.size() + " values)"));
                continue;
            }
            String name = normalise(row[0]);
            if (name == null) {
                rejects.add(Reject.of(RejectReason.OUTSIDE_INPUT, at2, "the file name '" + row[0]
                        + "' leaves the image folder"));
                continue;
            }
            int[] present = present(row, names);
            if (present == null) {
                int column = firstBadValue(row);
                rejects.add(Reject.of(RejectReason.BAD_VALUE, at2, "attribute " + names.get(column - 1) + " of "
                        + row[0]
                        + " is '" + row[column] + "', expected +1 or -1"));
                continue;
            }
            Entry earlier = rows.get(name);
            if (earlier != null) {
                rejects.add(Reject.of(RejectReason.DUPLICATE_ROW, at2, "the file " + name
                        + " already has a row, on line " + earlier.line()));
                continue;
            }
            rows.put(name, new Entry(lineNumbers.get(r), present));
        }
        return new AttributeTable(List.copyOf(names), rows, rejects);
    }

    private static int nextNonBlank(List<String> lines, int from) {
        int i = from;
        while (i < lines.size() && lines.get(i).strip().replace("\uFEFF", "").isEmpty()) {
            i++;
        }
        return i;
    }

    /**
     * {@code name} as a '/'-separated path inside the image folder, or null when it is absolute, has
     * a URI scheme, or climbs out with "..".
     */
    static String normalise(String name) {
        if (name.isEmpty() || name.startsWith("/") || SCHEME.matcher(name).matches()) {
            return null;
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return parts.isEmpty() ? null : String.join("/", parts);
    }

    private static int[] present(String[] row, List<String> names) {
        int[] present = new int[names.size()];
        int count = 0;
        for (int i = 1; i < row.length; i++) {
            switch (row[i]) {
                case "1", "+1" -> present[count++] = i - 1;
                case "-1" -> {
                }
                default -> {
                    return null;
                }
            }
        }
        return Arrays.copyOf(present, count);
    }

    private static int firstBadValue(String[] row) {
        for (int i = 1; i < row.length; i++) {
            if (!row[i].equals("1") && !row[i].equals("+1") && !row[i].equals("-1")) {
                return i;
            }
        }
        throw new IllegalStateException("no bad value in the row");
    }

    /** Attribute names, in index order. */
    public List<String> names() {
        return names;
    }

    /** Accepted rows by normalised file name, in file order. */
    public Map<String, Entry> rows() {
        return rows;
    }

    /** Rows that were rejected. */
    public List<Reject> rejects() {
        return rejects;
    }
}
