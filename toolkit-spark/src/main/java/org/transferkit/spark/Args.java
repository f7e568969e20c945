package org.transferkit.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Command-line arguments of the jobs: {@code --name value} pairs, each value checked where it is read. */
final class Args {
    private final Map<String, String> values;

    private Args(Map<String, String> values) {
        this.values = values;
    }

    /**
     * @param args the arguments, each option followed by its value
     * @param known the option names the job takes
     * @param required the ones it cannot do without
     * @param usage the job's usage line, for messages
     * @return the values by option name (a repeated option keeps its last value)
     * @throws IllegalArgumentException if an option is unknown, lacks its value, or a required one is missing
     */
    static Args parse(String[] args, Set<String> known, List<String> required, String usage) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option '" + name + "'; usage: " + usage);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + name + " needs a value; usage: " + usage);
            }
            values.put(name, args[i + 1]);
        }
        for (String r : required) {
            if (!values.containsKey(r)) {
                throw new IllegalArgumentException(String.join(" and ", required) + " are required; usage: " + usage);
            }
        }
        return new Args(values);
    }

    /** @return the option's value, or {@code fallback} when it was not given */
    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** @return true if the option was given */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /** @throws IllegalArgumentException if the value is not a number */
    double number(String name, double fallback) {
        return has(name) ? number(name, values.get(name)) : fallback;
    }

    /** @throws IllegalArgumentException if the value is not an integer */
    long integer(String name, long fallback) {
        return has(name) ? integer(name, values.get(name)) : fallback;
    }

    /** @throws IllegalArgumentException if the value is not {@code true} or {@code false} */
    boolean bool(String name, boolean fallback) {
        if (!has(name)) {
            return fallback;
        }
        String v = values.get(name).trim();
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(name + " takes true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    /**
     * @return a size in bytes: a whole number, optionally followed by k, m or g (binary: 1k = 1024), >= 1
     * @throws IllegalArgumentException if it is not such a size
     */
    static long bytes(String name, String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        int shift = t.endsWith("k") ? 10 : t.endsWith("m") ? 20 : t.endsWith("g") ? 30 : 0;
        try {
            long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
            if (n < 1 || n > Long.MAX_VALUE >> shift) {
                throw new NumberFormatException("out of range");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a size >= 1 in bytes, or with k, m or g (e.g. 512m, 4g), "
                    + "got '" + v + "'", e);
        }
    }

    static double number(String name, String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a number, got '" + v + "'", e);
        }
    }

    static long integer(String name, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes an integer, got '" + v + "'", e);
        }
    }
}
