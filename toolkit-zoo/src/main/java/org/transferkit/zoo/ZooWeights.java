package org.transferkit.zoo;

import java.net.URI;
import java.nio.file.Path;
import org.transferkit.runtime.RuntimeOptions;

/**
 * Where DL4J publishes a zoo model's pretrained weights, and where a download or a mirror puts them.
 * The base URL is DL4J's unless the caller names a mirror (a folder URL holding the same file names), e.g.
 * {@link RuntimeOptions#zooBaseUrl()}. Reads no system property or environment variable. Immutable.
 *
 * @param url DL4J's URL of the zip
 * @param adler32 DL4J's published Adler32 checksum of the zip
 * @param modelName DL4J's model name (its cache folder under DL4J's models folder)
 */
public record ZooWeights(String url, long adler32, String modelName) {
    /** @return the zip's file name, e.g. {@code vgg16_dl4j_inference.zip} */
    public String fileName() {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /**
     * @param baseUrl a mirror's base URL (a folder), or null for DL4J's own URL
     * @return the URL to download from
     * @throws IllegalArgumentException if the base URL is not an http(s) URL
     */
    public URI downloadUri(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            return URI.create(url);
        }
        String base = RuntimeOptions.builder().zooBaseUrl(baseUrl).build().zooBaseUrl();
        try {
            return base.equals(RuntimeOptions.DL4J_ZOO_BASE_URL) ? URI.create(url) : URI.create(base + fileName());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("base URL is not a valid URL: '" + baseUrl + "'", e);
        }
    }

    /**
     * @param options the run-time options (the zoo base URL)
     * @return the URL to download from: DL4J's, or the same file name under the options' mirror
     */
    public URI downloadUri(RuntimeOptions options) {
        return downloadUri(options.zooBaseUrl());
    }

    /**
     * DL4J's own download folder for this model (where {@code initPretrained()} caches it), without DL4J's
     * {@code getDirectory}, which creates the folders: merely looking creates nothing.
     *
     * @param options the run-time options ({@link RuntimeOptions#dl4jModelsDir()})
     * @return the folder (it may not exist)
     */
    public Path dl4jCacheDir(RuntimeOptions options) {
        return options.dl4jModelsDir().resolve(modelName);
    }
}
