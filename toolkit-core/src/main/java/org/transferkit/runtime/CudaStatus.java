package org.transferkit.runtime;

/**
 * Whether the CUDA backend could be used, and if not, why.
 *
 * @param usable true if nd4j-cuda is on the classpath and reports a usable GPU
 * @param reason why not, when not usable (one line)
 */
public record CudaStatus(boolean usable, String reason) {
    /** Name of ND4J's CUDA backend class. */
    public static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

    /** @return a usable status */
    public static CudaStatus available() {
        return new CudaStatus(true, "");
    }

    /** @param reason why not @return an unusable status */
    public static CudaStatus unavailable(String reason) {
        return new CudaStatus(false, reason);
    }

    /** JavaCPP system property selecting a natives variant, e.g. {@code -cudnn}. */
    public static final String PLATFORM_EXTENSION = "org.bytedeco.javacpp.platform.extension";
    /** Where nd4j-cuda-11.6's cuDNN build keeps its natives (classifier {@code linux-x86_64-cudnn}). */
    public static final String CUDNN_NATIVES = "org/nd4j/linalg/jcublas/bindings/linux-x86_64-cudnn/libjnind4jcuda.so";

    /**
     * The natives extension JavaCPP must be told about: nd4j-cuda's cuDNN build keeps its libraries
     * under {@code linux-x86_64-cudnn/}, which JavaCPP only looks in with the extension {@code -cudnn}.
     *
     * @param cudnnNativesPresent whether {@link #CUDNN_NATIVES} is on the classpath
     * @param current the current value of {@link #PLATFORM_EXTENSION}, or null
     * @return the value to set, or null to leave the property as it is (the user's choice wins)
     */
    static String extensionToSet(boolean cudnnNativesPresent, String current) {
        return cudnnNativesPresent && (current == null || current.isEmpty()) ? "-cudnn" : null;
    }

    /**
     * Probes this JVM: is the CUDA backend on the classpath, and does it say it can run? Loading the
     * backend class may load CUDA's native libraries; no ND4J array is created. Sets no system property:
     * for nd4j-cuda's cuDNN build, {@link #PLATFORM_EXTENSION} must be set first, which
     * {@link DeviceChoice#initialize(RuntimeOptions)} does before it probes.
     *
     * @return the status
     */
    public static CudaStatus probe() {
        Class<?> c;
        try {
            c = Class.forName(CUDA_BACKEND_CLASS);
        } catch (ClassNotFoundException | LinkageError e) {
            return unavailable("the CUDA backend (nd4j-cuda-11.6) is not on the classpath (Maven profile cuda adds it)");
        }
        try {
            Object backend = c.getDeclaredConstructor().newInstance();
            boolean avail = (Boolean) c.getMethod("isAvailable").invoke(backend);
            boolean run = avail && (Boolean) c.getMethod("canRun").invoke(backend);
            return run ? available() : unavailable("nd4j-cuda is present but reports no usable GPU or CUDA driver");
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return unavailable("nd4j-cuda is present but cannot start: " + root);
        }
    }
}
