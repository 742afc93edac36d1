package io.vcaps.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The one rule that keeps a job from destroying what it reads: its output may not be, contain, or lie inside any of
 * its inputs. Committing an output replaces the folder whole, so an output equal to or above an input deletes the
 * input, and one inside an input (a dataset's folder, a bundle) changes it. Paths are compared as qualified URIs
 * (a plain path and {@code file:} alike, the default filesystem's scheme for paths without one), normalised (a
 * trailing slash, {@code .} and {@code ..}), and local paths with their symbolic links resolved, for a missing path
 * through its nearest existing ancestor. Every job calls {@link #check} before it starts any Spark work.
 */
public final class SeparatePaths {

    /** One path a job reads, with the option that named it ({@code --data}), for the message. */
    public record Input(String option, String path) {
    }

    private SeparatePaths() {
    }

    /** An input named by {@code option}; a null {@code path} (an option not given) is left out by {@link #check}. */
    public static Input input(String option, String path) {
        return new Input(option, path);
    }

    /**
     * Refuses, with one line naming both paths, an {@code output} that equals, contains or lies inside one of
     * {@code inputs}; reads nothing but the local filesystem's links.
     */
    public static void check(Configuration conf, String output, List<Input> inputs) throws IOException {
        check(conf, "--output", output, inputs);
    }

    /** {@link #check(Configuration, String, List)} for an output named by another option than {@code --output}. */
    public static void check(Configuration conf, String outputOption, String output, List<Input> inputs)
            throws IOException {
        if (output == null) {
            return;
        }
        List<String> out = segments(conf, output);
        for (Input input : inputs) {
            if (input == null || input.path() == null) {
                continue;
            }
            List<String> in = segments(conf, input.path());
            String relation = relation(out, in);
            if (relation != null) {
                throw new JobFailure(outputOption + " " + output + " " + relation + " the input " + input.option() + " "
                        + input.path() + " (as " + String.join("/", out) + " and " + String.join("/", in)
                        + "): writing it would delete or change that input; choose an output outside every input");
            }
        }
    }

    private static String relation(List<String> out, List<String> in) {
        if (out.equals(in)) {
            return "is";
        }
        if (startsWith(in, out)) {
            return "contains";
        }
        if (startsWith(out, in)) {
            return "lies inside";
        }
        return null;
    }

    private static boolean startsWith(List<String> path, List<String> prefix) {
        return path.size() > prefix.size() && path.subList(0, prefix.size()).equals(prefix);
    }

    /**
     * {@code path} as its filesystem (scheme and authority, lower case) followed by its path's names: qualified
     * against the default filesystem, normalised, and for a local path with its links resolved.
     */
    static List<String> segments(Configuration conf, String path) throws IOException {
        Path given = new Path(path);
        URI uri = given.toUri();
        boolean qualified = uri.getScheme() != null && given.isAbsolute()
                && (uri.getAuthority() != null || uri.getScheme().equalsIgnoreCase("file"));
        // A qualified path needs no filesystem instance (nor the scheme's client on the classpath).
        uri = (qualified ? uri : given.getFileSystem(conf).makeQualified(given).toUri()).normalize();
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String where = uri.getPath() == null ? "/" : uri.getPath();
        if (scheme.equals("file")) {
            where = resolveLinks(java.nio.file.Path.of(where)).toString();
        }
        List<String> out = new ArrayList<>();
        out.add(scheme + "://" + (uri.getAuthority() == null ? "" : uri.getAuthority().toLowerCase(Locale.ROOT)));
        Arrays.stream(where.split("/")).filter(s -> !s.isEmpty() && !s.equals(".")).forEach(out::add);
        return out;
    }

    /** The real path of the nearest existing ancestor of {@code local}, with the rest of {@code local} after it. */
    private static java.nio.file.Path resolveLinks(java.nio.file.Path local) throws IOException {
        java.nio.file.Path absolute = local.toAbsolutePath().normalize();
        java.nio.file.Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
    }
}
