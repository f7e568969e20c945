package org.transferkit.zoo;

import java.net.URI;
import java.nio.file.Path;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.common.resources.ResourceType;

/**
 * Where DL4J publishes a zoo model's pretrained weights, and where a download or a mirror puts them.
 * The base URL is DL4J's unless the system property {@value #BASE_URL_PROPERTY} or the environment
 * variable {@value #BASE_URL_ENV} names a mirror (a folder URL holding the same file names). Immutable.
 *
 * @param url DL4J's URL of the zip
 * @param adler32 DL4J's published Adler32 checksum of the zip
 * @param modelName DL4J's model name (its cache folder under {@code ~/.deeplearning4j/models})
 */
public record ZooWeights(String url, long adler32, String modelName) {
    /** System property naming a mirror base URL. */
    public static final String BASE_URL_PROPERTY = "transferkit.zoo.baseUrl";
    /** Environment variable naming a mirror base URL. */
    public static final String BASE_URL_ENV = "TRANSFERKIT_ZOO_BASE_URL";

    /** @return the zip's file name, e.g. {@code vgg16_dl4j_inference.zip} */
    public String fileName() {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /**
     * @param baseUrl a mirror's base URL (a folder), or null for the configured one (property, environment,
     *     then DL4J's own)
     * @return the URL to download from
     * @throws IllegalArgumentException if the base URL is not an http(s) URL
     */
    public URI downloadUri(String baseUrl) {
        String base = baseUrl;
        if (base == null || base.isBlank()) {
            base = System.getProperty(BASE_URL_PROPERTY);
        }
        if (base == null || base.isBlank()) {
            base = System.getenv(BASE_URL_ENV);
        }
        if (base == null || base.isBlank()) {
            return URI.create(url);
        }
        if (!base.startsWith("http://") && !base.startsWith("https://")) {
            throw new IllegalArgumentException("base URL must start with http:// or https://, got '" + base + "'");
        }
        try {
            return URI.create(base.endsWith("/") ? base + fileName() : base + "/" + fileName());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("base URL is not a valid URL: '" + base + "'", e);
        }
    }

    /**
     * DL4J's own download folder for this model (where {@code initPretrained()} caches it), worked out the
     * way DL4J does ({@value DL4JSystemProperties#DL4J_RESOURCES_DIR_PROPERTY}, else {@code ~/.deeplearning4j})
     * but without DL4J's {@code getDirectory}, which creates the folders: merely looking creates nothing.
     *
     * @return the folder (it may not exist)
     */
    public Path dl4jCacheDir() {
        String base = System.getProperty(DL4JSystemProperties.DL4J_RESOURCES_DIR_PROPERTY);
        Path root = base == null || base.isBlank() ? Path.of(System.getProperty("user.home"), ".deeplearning4j") : Path.of(base);
        return root.resolve(ResourceType.ZOO_MODEL.resourceName()).resolve(modelName);
    }
}
