package io.vcaps.core.vcn;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one rule for entity names, wherever they are born (the ETL's attribute headers and class folders, a model
 * built for a dataset) or read (a bundle): an entity's name becomes a file name ({@code generate}'s pictures), a
 * value in rows and reports and a zip header's entry, so it must be 1 to {@link #MAX_NAME_LENGTH} characters,
 * without control characters, path separators, {@code ..}, or a leading {@code .}, {@code ~} or drive letter, and
 * no name twice; a model has 1 to {@link #MAX_ENTITIES} of them.
 */
public final class EntityNames {
    public static final int MAX_ENTITIES = 10_000;
    public static final int MAX_NAME_LENGTH = 200;

    private EntityNames() {
    }

    /**
     * What is wrong with {@code names} as a model's entities, as a phrase naming the first bad one as
     * {@code what} and its index ({@code entity 3 "a/b" holds a path separator}), or null when nothing is.
     */
    public static String problem(List<String> names, String what) {
        if (names.isEmpty() || names.size() > MAX_ENTITIES) {
            return names.size() + " entities, not 1 to " + MAX_ENTITIES;
        }
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < names.size(); k++) {
            String name = names.get(k);
            String problem = name == null ? "is missing" : problem(name);
            if (problem == null && !seen.add(name)) {
                problem = "is named twice";
            }
            if (problem != null) {
                return what + " " + k + " " + (name == null ? "" : printable(name) + " ") + problem;
            }
        }
        return null;
    }

    /** Refuses names no bundle could hold: an {@link IllegalArgumentException} saying which and why. */
    public static void require(List<String> names) {
        String problem = problem(names, "entity");
        if (problem != null) {
            throw new IllegalArgumentException("entity names: " + problem);
        }
    }

    /** What is wrong with one name, or null. */
    public static String problem(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return "must be 1 to " + MAX_NAME_LENGTH + " characters long";
        }
        if (name.codePoints().anyMatch(EntityNames::control)) {
            return "holds a control character";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return "holds a path separator";
        }
        if (name.contains("..")) {
            return "holds ..";
        }
        if (name.startsWith(".") || name.startsWith("~") || name.matches("^[A-Za-z]:.*")) {
            return "starts like a hidden, home or drive path";
        }
        return null;
    }

    /** {@code text} quoted with control characters escaped and cut short, fit for a one-line error. */
    public static String printable(String text) {
        StringBuilder b = new StringBuilder("\"");
        text.codePoints().limit(80).forEach(c -> {
            if (control(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(text.length() > 80 ? "...\"" : "\"").toString();
    }

    private static boolean control(int c) {
        return Character.isISOControl(c) || Character.getType(c) == Character.FORMAT;
    }
}
