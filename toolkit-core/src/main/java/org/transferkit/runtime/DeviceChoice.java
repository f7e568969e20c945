package org.transferkit.runtime;

import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Decides the ND4J backend once, at start, and describes it in one line.
 *
 * <p>ND4J picks its backend when first used, from the backends on the classpath, by priorities it
 * reads from the environment variables {@code BACKEND_PRIORITY_CPU} and {@code BACKEND_PRIORITY_GPU}
 * (it skips a backend that cannot run). A running JVM cannot change them, so {@link #initialize}
 * checks that the loaded backend is the chosen one and, if not, says which variables to set.
 * {@link #initialize(RuntimeOptions)} is the one place in the library that touches ND4J's and JavaCPP's
 * JVM-wide state; its description lists exactly what it touches.
 *
 * @param requested what the user asked for
 * @param chosen the backend to use, {@link Device#CPU} or {@link Device#CUDA}
 * @param warning a one-line warning when {@code auto} fell back to the CPU, else empty
 */
public record DeviceChoice(Device requested, Device chosen, String warning) {

    /**
     * The choosing logic, free of ND4J: {@code auto} takes CUDA when usable, else the CPU with a
     * warning saying why; {@code cpu} takes the CPU; {@code cuda} takes CUDA or fails.
     *
     * @param requested what the user asked for
     * @param cuda whether CUDA is usable
     * @return the decision
     * @throws IllegalStateException if {@code cuda} was requested and is not usable; the message says why
     */
    public static DeviceChoice decide(Device requested, CudaStatus cuda) {
        Objects.requireNonNull(requested, "requested");
        return switch (requested) {
            case CPU -> new DeviceChoice(requested, Device.CPU, "");
            case CUDA -> {
                if (!cuda.usable()) {
                    throw new IllegalStateException("device cuda: no usable CUDA backend: " + cuda.reason()
                            + ". Ask for device auto or cpu to run on the CPU.");
                }
                yield new DeviceChoice(requested, Device.CUDA, "");
            }
            case AUTO -> cuda.usable() ? new DeviceChoice(requested, Device.CUDA, "")
                    : new DeviceChoice(requested, Device.CPU, "no usable GPU, training on the CPU: " + cuda.reason());
        };
    }

    /**
     * {@link #initialize(RuntimeOptions)} with the {@link RuntimeOptions#defaults()} and {@code requested}.
     *
     * @param requested what the user asked for
     * @return the decision
     * @throws IllegalStateException if CUDA was requested and is not usable, or ND4J loaded another
     *     backend than the chosen one (the message names the environment variables that fix it)
     */
    public static DeviceChoice initialize(Device requested) {
        return initialize(RuntimeOptions.builder().device(requested).build());
    }

    /**
     * Decides the backend for {@link RuntimeOptions#device()}, initialises ND4J, and checks that the backend
     * ND4J loaded is the chosen one. Call it once, at start, before other ND4J use. This is the only place in
     * the library that changes JVM-wide state for good (the one temporary exception: while a small head trains on
     * cached features, the training package holds ND4J's op and BLAS thread counts at one and restores them when the
     * last such training ends), and it touches exactly:
     * <ul>
     *   <li>the system property {@value CudaStatus#PLATFORM_EXTENSION} (JavaCPP's natives variant): set to
     *       {@code -cudnn} when nd4j-cuda's cuDNN natives are on the classpath and it is unset (a value already
     *       set is kept), so that JavaCPP finds them;</li>
     *   <li>unless the device is {@code cpu}: loads the CUDA backend class to probe it ({@link CudaStatus#probe});</li>
     *   <li>ND4J's backend: {@code Nd4j.getBackend()} loads and initialises it if it was not yet (ND4J chooses it
     *       from {@code BACKEND_PRIORITY_CPU}/{@code BACKEND_PRIORITY_GPU}, which are only read).</li>
     * </ul>
     * It leaves ND4J's data type (float), its thread count (ND4J's own {@code OMP_NUM_THREADS} handling) and
     * DL4J's {@code org.eclipse.deeplearning4j.helpers.disable} property (true in DL4J 1.0.0-M2.1) as they are:
     * oneDNN helpers are set per graph by {@link CpuHelpers}, not through DL4J's switch.
     *
     * @param options the run-time options; only {@link RuntimeOptions#device()} matters here
     * @return the decision
     * @throws IllegalStateException if CUDA was requested and is not usable, or ND4J loaded another
     *     backend than the chosen one (the message names the environment variables that fix it)
     */
    public static DeviceChoice initialize(RuntimeOptions options) {
        Device requested = options.device();
        if (requested != Device.CPU) {
            String ext = CudaStatus.extensionToSet(
                    DeviceChoice.class.getClassLoader().getResource(CudaStatus.CUDNN_NATIVES) != null,
                    System.getProperty(CudaStatus.PLATFORM_EXTENSION));
            if (ext != null) {
                System.setProperty(CudaStatus.PLATFORM_EXTENSION, ext);
            }
        }
        DeviceChoice d = decide(requested, requested == Device.CPU ? CudaStatus.unavailable("not probed")
                : CudaStatus.probe());
        Device loaded = loadedBackend();
        if (loaded != d.chosen()) {
            String fix = d.chosen() == Device.CPU ? "BACKEND_PRIORITY_CPU=100 BACKEND_PRIORITY_GPU=0"
                    : "BACKEND_PRIORITY_GPU=100 BACKEND_PRIORITY_CPU=0";
            throw new IllegalStateException("device " + requested.name().toLowerCase(Locale.ROOT) + ": ND4J loaded the "
                    + loaded + " backend, not " + d.chosen() + ". ND4J reads backend priorities from the environment "
                    + "when the JVM starts: start it with " + fix);
        }
        return d;
    }

    /** @return the backend ND4J has loaded (initialising ND4J if it was not yet) */
    public static Device loadedBackend() {
        String name = Nd4j.getBackend().getClass().getName();
        return name.equals(CudaStatus.CUDA_BACKEND_CLASS) ? Device.CUDA : Device.CPU;
    }

    /**
     * @return one line naming the loaded backend, its device, BLAS and threads, e.g.
     *     {@code backend CPU (nd4j-native), BLAS OPENBLAS, 2 threads, 2 cores}
     */
    public static String describeBackend() {
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        Device d = loadedBackend();
        StringBuilder sb = new StringBuilder("backend ").append(d);
        if (d == Device.CUDA) {
            sb.append(" (").append(p.getOrDefault("cuda.devicesInformation", "device unknown")).append(')');
        } else {
            sb.append(" (nd4j-native ").append(System.getProperty("os.name", "?").toLowerCase(Locale.ROOT))
                    .append('-').append(System.getProperty("os.arch", "?")).append(')');
        }
        sb.append(", BLAS ").append(p.getOrDefault("blas.vendor", "unknown"))
                .append(", ").append(p.getOrDefault("omp.threads", "?")).append(" threads")
                .append(", ").append(p.getOrDefault("cores", Runtime.getRuntime().availableProcessors())).append(" cores")
                .append(", dtype ").append(Nd4j.dataType());
        return sb.toString();
    }
}
