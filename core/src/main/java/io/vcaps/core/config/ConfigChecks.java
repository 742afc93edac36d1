package io.vcaps.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;

import java.io.File;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The checks every configuration goes through before a value is read: each key of its {@code vcaps} block is one of
 * core's reference.conf (HOCON would otherwise ignore a misspelt key and train with the default), each value has
 * the reference's type ({@link Config#checkValid}), and text from a model bundle is read as data only.
 */
public final class ConfigChecks {

    private static final String ROOT = "vcaps";

    private ConfigChecks() {
    }

    /** core's defaults. */
    public static Config reference() {
        return ConfigFactory.defaultReference(ConfigChecks.class.getClassLoader());
    }

    /**
     * Parses an operator's {@code --conf} file, refuses keys reference.conf does not have, and returns it over the
     * defaults, resolved and type-checked.
     *
     * @throws IllegalArgumentException naming the file and the key
     */
    public static Config load(File file) {
        if (!file.isFile()) {
            throw new IllegalArgumentException("configuration file not found: " + file);
        }
        String source = file.getPath();
        Config overrides;
        try {
            overrides = ConfigFactory.parseFile(file);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad configuration " + source + ": " + e.getMessage(), e);
        }
        checkKnownKeys(overrides, source);
        return merged(overrides, source);
    }

    /**
     * Parses HOCON text as data: an {@code include} of a file, URL or classpath resource is an error instead of a
     * read, since the text may come from a bundle downloaded from anywhere.
     */
    public static Config parseData(String hocon, String source) {
        try {
            return ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setIncluder(new RefusingIncluder()));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad configuration " + source + ": " + e.getMessage(), e);
        }
    }

    /** {@code overrides} over the defaults, resolved, each value of the type reference.conf gives it. */
    public static Config merged(Config overrides, String source) {
        try {
            Config reference = reference();
            Config merged = overrides.withFallback(reference).resolve();
            merged.checkValid(reference, ROOT);
            return merged;
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad configuration " + source + ": " + e.getMessage(), e);
        }
    }

    /** Fails on the first key under {@code vcaps} that reference.conf lacks, naming the closest one it has. */
    public static void checkKnownKeys(Config overrides, String source) {
        if (!overrides.hasPath(ROOT)) {
            return;
        }
        Config reference = reference();
        Set<String> known = new TreeSet<>();
        for (String leaf : leaves(reference.getConfig(ROOT))) {
            known.add(ROOT + "." + leaf);
        }
        ConfigValue block = overrides.root().get(ROOT);
        if (!(block instanceof ConfigObject)) {
            throw new IllegalArgumentException("bad configuration " + source + ": " + ROOT + " must be an object");
        }
        checkKnown((ConfigObject) block, List.of(ROOT), reference, known, source);
    }

    /** Walks the parsed objects, not a resolved Config, so that a substitution cannot hide a misspelt key. */
    private static void checkKnown(ConfigObject object, List<String> at, Config reference, Set<String> known,
            String source) {
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(object).entrySet()) {
            List<String> path = new ArrayList<>(at);
            path.add(e.getKey());
            String key = ConfigUtil.joinPath(path);
            if (!reference.hasPath(key)) {
                throw new IllegalArgumentException("bad configuration " + source + ": unknown key " + key + " ("
                        + e.getValue().origin().description() + "); did you mean " + closest(key, known) + "?");
            }
            if (e.getValue() instanceof ConfigObject child && reference.getValue(key) instanceof ConfigObject) {
                checkKnown(child, path, reference, known, source);
            }
        }
    }

    private static Set<String> leaves(Config block) {
        Set<String> keys = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : block.entrySet()) {
            keys.add(e.getKey());
        }
        return keys;
    }

    /** The key of {@code known} nearest to {@code key} by Levenshtein distance (ties: the first in order). */
    static String closest(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Refuses every kind of include; the parser asks it for each {@code include} statement. */
    private static final class RefusingIncluder
            implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {

        @Override
        public ConfigIncluder withFallback(ConfigIncluder fallback) {
            return this;
        }

        @Override
        public ConfigObject include(ConfigIncludeContext context, String what) {
            throw refused(what);
        }

        @Override
        public ConfigObject includeFile(ConfigIncludeContext context, File what) {
            throw refused("file(" + what + ")");
        }

        @Override
        public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
            throw refused("url(" + what + ")");
        }

        @Override
        public ConfigObject includeResources(ConfigIncludeContext context, String what) {
            throw refused("classpath(" + what + ")");
        }

        private static ConfigException refused(String what) {
            return new ConfigException.Generic("include " + what + " refused: this configuration is read as data");
        }
    }
}
