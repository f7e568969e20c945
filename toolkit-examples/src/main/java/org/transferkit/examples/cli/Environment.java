package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.transferkit.engine.EngineMode;
import org.transferkit.runtime.RuntimeOptions;

/**
 * The command line's one reader of system properties and environment variables: it turns them into
 * {@link RuntimeOptions}, which the commands pass into the library. A system property wins over its
 * environment variable; an unset or blank one leaves the {@link RuntimeOptions#defaults() default}.
 * <ul>
 *   <li>{@value #ENGINE_PROPERTY} / {@value #ENGINE_ENV}: engine mode {@code auto|onednn|nd4j|dl4j};</li>
 *   <li>{@value #CPU_HELPERS_PROPERTY} / {@value #CPU_HELPERS_ENV}: {@code true|false};</li>
 *   <li>{@value #WEIGHTS_DIR_PROPERTY} / {@value #WEIGHTS_DIR_ENV}: the weights cache folder;</li>
 *   <li>{@value #ZOO_BASE_URL_PROPERTY} / {@value #ZOO_BASE_URL_ENV}: a mirror of DL4J's zoo zips;</li>
 *   <li>{@value #DL4J_RESOURCES_PROPERTY} (DL4J's own): DL4J's resources folder, whose {@code models/} is searched.</li>
 * </ul>
 * Stateless: each call reads afresh (a command reads once, at its start).
 */
public final class Environment {
    /** System property choosing the engine mode. */
    public static final String ENGINE_PROPERTY = "transferkit.engine";
    /** Environment variable choosing the engine mode. */
    public static final String ENGINE_ENV = "TRANSFERKIT_ENGINE";
    /** System property switching the CPU helpers. */
    public static final String CPU_HELPERS_PROPERTY = "transferkit.cpu.helpers";
    /** Environment variable switching the CPU helpers. */
    public static final String CPU_HELPERS_ENV = "TRANSFERKIT_CPU_HELPERS";
    /** System property naming the weights cache folder. */
    public static final String WEIGHTS_DIR_PROPERTY = "transferkit.weights.dir";
    /** Environment variable naming the weights cache folder. */
    public static final String WEIGHTS_DIR_ENV = "TRANSFERKIT_WEIGHTS_DIR";
    /** System property naming a mirror base URL of DL4J's zoo. */
    public static final String ZOO_BASE_URL_PROPERTY = "transferkit.zoo.baseUrl";
    /** Environment variable naming a mirror base URL of DL4J's zoo. */
    public static final String ZOO_BASE_URL_ENV = "TRANSFERKIT_ZOO_BASE_URL";
    /** DL4J's system property naming its resources folder (models are under {@code models/}). */
    public static final String DL4J_RESOURCES_PROPERTY = "org.deeplearning4j.resources.directory";

    private Environment() {
    }

    /**
     * The hook every command calls once: the options this JVM's system properties and environment ask for.
     *
     * @return the options
     * @throws IllegalArgumentException if a variable or property has a bad value; the message names it, the
     *     value and the valid ones
     */
    public static RuntimeOptions runtimeOptions() {
        Map<String, String> props = new HashMap<>();
        System.getProperties().forEach((k, v) -> props.put(String.valueOf(k), String.valueOf(v)));
        return runtimeOptions(props, System.getenv());
    }

    /**
     * @param properties system properties (name to value)
     * @param env environment variables (name to value)
     * @return the options they ask for, defaults where they say nothing
     * @throws IllegalArgumentException if a value is bad; the message names the property or variable, the value
     *     and the valid ones
     */
    public static RuntimeOptions runtimeOptions(Map<String, String> properties, Map<String, String> env) {
        RuntimeOptions.Builder b = RuntimeOptions.builder();
        Setting engine = Setting.of(properties, env, ENGINE_PROPERTY, ENGINE_ENV);
        if (engine != null) {
            b.engine(engine.apply(EngineMode::parse));
        }
        Setting helpers = Setting.of(properties, env, CPU_HELPERS_PROPERTY, CPU_HELPERS_ENV);
        if (helpers != null) {
            b.cpuHelpers(helpers.apply(Environment::bool));
        }
        Setting weights = Setting.of(properties, env, WEIGHTS_DIR_PROPERTY, WEIGHTS_DIR_ENV);
        if (weights != null) {
            b.weightsDir(weights.apply(Path::of));
        }
        Setting zoo = Setting.of(properties, env, ZOO_BASE_URL_PROPERTY, ZOO_BASE_URL_ENV);
        if (zoo != null) {
            zoo.apply(b::zooBaseUrl);
        }
        Setting dl4j = Setting.of(properties, Map.of(), DL4J_RESOURCES_PROPERTY, null);
        if (dl4j != null) {
            b.dl4jModelsDir(dl4j.apply(Path::of).resolve("models"));
        }
        return b.build();
    }

    /**
     * Reads the options ({@link #runtimeOptions()}) and prints them in one line, e.g. {@code runtime: engine auto,
     * cpu helpers on, device auto, weights ~/.transferkit/weights, ...}.
     *
     * @param err where the line goes (standard error, so that standard output stays the command's own)
     * @return the options
     * @throws IllegalArgumentException if a variable or property has a bad value
     */
    public static RuntimeOptions announce(PrintWriter err) {
        RuntimeOptions o = runtimeOptions();
        err.println("runtime: " + o.describe());
        err.flush();
        return o;
    }

    private static boolean bool(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "on" -> true;
            case "false", "off" -> false;
            default -> throw new IllegalArgumentException("'" + v + "' is not a switch; valid: true, false, on, off");
        };
    }

    /** One set value and where it came from, for messages. */
    private record Setting(String source, String value) {
        static Setting of(Map<String, String> props, Map<String, String> env, String property, String variable) {
            String p = props.get(property);
            if (p != null && !p.isBlank()) {
                return new Setting("-D" + property, p);
            }
            String e = variable == null ? null : env.get(variable);
            return e != null && !e.isBlank() ? new Setting(variable, e) : null;
        }

        <T> T apply(java.util.function.Function<String, T> parse) {
            try {
                return parse.apply(value.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + "=" + value + ": " + e.getMessage(), e);
            }
        }
    }
}
