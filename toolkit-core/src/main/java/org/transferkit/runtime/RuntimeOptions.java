package org.transferkit.runtime;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import org.transferkit.engine.EngineMode;

/**
 * Every run-time option of the library in one immutable value: where things compute ({@link #device()}), how
 * frozen layers run ({@link #engine()}, {@link #cpuHelpers()}) and where files live ({@link #weightsDir()},
 * {@link #featureCacheDir()}, {@link #dl4jModelsDir()}, {@link #zooBaseUrl()}). The library never reads these
 * from system properties or environment variables: callers build one and pass it in; a command line may fill a
 * builder from its environment. Thread-safe.
 */
public final class RuntimeOptions {
    /** DL4J's folder of zoo model zips, the default {@link #zooBaseUrl()}. */
    public static final String DL4J_ZOO_BASE_URL = "https://dl4jdata.blob.core.windows.net/models/";

    private static final RuntimeOptions DEFAULTS = new Builder().build();

    private final Device device;
    private final EngineMode engine;
    private final boolean cpuHelpers;
    private final Path weightsDir;
    private final Path featureCacheDir;
    private final String zooBaseUrl;
    private final Path dl4jModelsDir;

    private RuntimeOptions(Builder b) {
        this.device = b.device;
        this.engine = b.engine;
        this.cpuHelpers = b.cpuHelpers;
        this.weightsDir = b.weightsDir;
        this.featureCacheDir = b.featureCacheDir;
        this.zooBaseUrl = b.zooBaseUrl;
        this.dl4jModelsDir = b.dl4jModelsDir;
    }

    /**
     * The documented defaults, worked out without reading any system property or environment variable (only
     * the user's home folder): device {@code auto}, engine {@code auto}, CPU helpers on, weights in
     * {@code ~/.transferkit/weights}, feature cache in {@code ~/.transferkit/features}, zoo zips from
     * {@link #DL4J_ZOO_BASE_URL}, DL4J's model downloads in {@code ~/.deeplearning4j/models}.
     *
     * @return the defaults
     */
    public static RuntimeOptions defaults() {
        return DEFAULTS;
    }

    /** @return a builder holding the {@link #defaults()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these options, to derive changed ones */
    public Builder toBuilder() {
        return new Builder().device(device).engine(engine).cpuHelpers(cpuHelpers).weightsDir(weightsDir)
                .featureCacheDir(featureCacheDir).zooBaseUrl(zooBaseUrl).dl4jModelsDir(dl4jModelsDir);
    }

    /** @return the device asked for ({@link DeviceChoice#initialize(RuntimeOptions)} decides the backend) */
    public Device device() {
        return device;
    }

    /** @return how frozen layers run: the compiled engine's executor, or DL4J alone */
    public EngineMode engine() {
        return engine;
    }

    /** @return whether DL4J's oneDNN layer helpers are put on graphs on the CPU backend ({@link CpuHelpers}) */
    public boolean cpuHelpers() {
        return cpuHelpers;
    }

    /** @return the weights cache folder, searched for pretrained weights and filled by downloads */
    public Path weightsDir() {
        return weightsDir;
    }

    /** @return the folder of cached backbone features */
    public Path featureCacheDir() {
        return featureCacheDir;
    }

    /** @return the base URL (a folder, ending with {@code /}) zoo weight zips are downloaded from */
    public String zooBaseUrl() {
        return zooBaseUrl;
    }

    /** @return DL4J's zoo download folder ({@code <DL4J resources>/models}), searched after the weights cache */
    public Path dl4jModelsDir() {
        return dl4jModelsDir;
    }

    /**
     * @return one line naming every option, home folders shortened to {@code ~}, e.g. {@code engine auto, cpu
     *     helpers on, device auto, weights ~/.transferkit/weights, features ~/.transferkit/features, zoo
     *     https://dl4jdata.blob.core.windows.net/models/, dl4j models ~/.deeplearning4j/models}
     */
    public String describe() {
        return "engine " + engine.id() + ", cpu helpers " + (cpuHelpers ? "on" : "off") + ", device "
                + device.name().toLowerCase(java.util.Locale.ROOT) + ", weights " + shorten(weightsDir) + ", features "
                + shorten(featureCacheDir) + ", zoo " + zooBaseUrl + ", dl4j models " + shorten(dl4jModelsDir);
    }

    private static String shorten(Path p) {
        Path home = Path.of(System.getProperty("user.home"));
        return p.startsWith(home) && !p.equals(home) ? "~/" + home.relativize(p).toString().replace('\\', '/')
                : p.toString();
    }

    /** @return {@link #describe()} */
    @Override
    public String toString() {
        return describe();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuntimeOptions r && device == r.device && engine == r.engine && cpuHelpers == r.cpuHelpers
                && weightsDir.equals(r.weightsDir) && featureCacheDir.equals(r.featureCacheDir)
                && zooBaseUrl.equals(r.zooBaseUrl) && dl4jModelsDir.equals(r.dl4jModelsDir);
    }

    @Override
    public int hashCode() {
        return Objects.hash(device, engine, cpuHelpers, weightsDir, featureCacheDir, zooBaseUrl, dl4jModelsDir);
    }

    /** Builds {@link RuntimeOptions}; starts from the defaults. Not thread-safe. */
    public static final class Builder {
        private Device device = Device.AUTO;
        private EngineMode engine = EngineMode.AUTO;
        private boolean cpuHelpers = true;
        private Path weightsDir = home(".transferkit", "weights");
        private Path featureCacheDir = home(".transferkit", "features");
        private String zooBaseUrl = DL4J_ZOO_BASE_URL;
        private Path dl4jModelsDir = home(".deeplearning4j", "models");

        private Builder() {
        }

        private static Path home(String first, String second) {
            return Path.of(System.getProperty("user.home"), first, second);
        }

        /** @param d the device to ask for @return this */
        public Builder device(Device d) {
            this.device = Objects.requireNonNull(d, "device");
            return this;
        }

        /** @param mode how frozen layers run @return this */
        public Builder engine(EngineMode mode) {
            this.engine = Objects.requireNonNull(mode, "engine");
            return this;
        }

        /** @param on whether to put oneDNN helpers on CPU layers @return this */
        public Builder cpuHelpers(boolean on) {
            this.cpuHelpers = on;
            return this;
        }

        /** @param dir the weights cache folder (need not exist) @return this */
        public Builder weightsDir(Path dir) {
            this.weightsDir = Objects.requireNonNull(dir, "weightsDir");
            return this;
        }

        /** @param dir the feature cache folder (need not exist) @return this */
        public Builder featureCacheDir(Path dir) {
            this.featureCacheDir = Objects.requireNonNull(dir, "featureCacheDir");
            return this;
        }

        /** @param dir DL4J's zoo download folder (need not exist) @return this */
        public Builder dl4jModelsDir(Path dir) {
            this.dl4jModelsDir = Objects.requireNonNull(dir, "dl4jModelsDir");
            return this;
        }

        /**
         * @param url an {@code http://} or {@code https://} folder URL holding the zoo's zip file names (a
         *     mirror); a missing trailing {@code /} is added
         * @return this
         * @throws IllegalArgumentException if {@code url} is not an http(s) URL; the message names it
         */
        public Builder zooBaseUrl(String url) {
            Objects.requireNonNull(url, "zooBaseUrl");
            String u = url.trim();
            if (!u.startsWith("http://") && !u.startsWith("https://")) {
                throw new IllegalArgumentException("zoo base URL must start with http:// or https://, got '" + url + "'");
            }
            try {
                URI.create(u);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("zoo base URL is not a valid URL: '" + url + "'", e);
            }
            this.zooBaseUrl = u.endsWith("/") ? u : u + "/";
            return this;
        }

        /** @return the options */
        public RuntimeOptions build() {
            return new RuntimeOptions(this);
        }
    }
}
