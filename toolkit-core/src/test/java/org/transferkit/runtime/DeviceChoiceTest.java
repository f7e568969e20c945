package org.transferkit.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
    private static final CudaStatus NO_GPU = CudaStatus.unavailable("no driver");

    @Test
    void autoPrefersCudaAndFallsBackToCpuWithTheReason() {
        assertEquals(Device.CUDA, DeviceChoice.decide(Device.AUTO, CudaStatus.available()).chosen());
        DeviceChoice d = DeviceChoice.decide(Device.AUTO, NO_GPU);
        assertEquals(Device.CPU, d.chosen());
        assertTrue(d.warning().contains("no driver"), d.warning());
    }

    @Test
    void cpuIsCpuAndCudaWithoutGpuFailsClearly() {
        assertEquals(Device.CPU, DeviceChoice.decide(Device.CPU, CudaStatus.available()).chosen());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeviceChoice.decide(Device.CUDA, NO_GPU));
        assertTrue(e.getMessage().startsWith("device cuda") && e.getMessage().contains("no driver"), e.getMessage());
    }

    @Test
    void onThisCpuOnlyClasspathAutoAndCpuGiveTheCpuBackendAndCudaFails() {
        CudaStatus probe = CudaStatus.probe();
        assertFalse(probe.usable());
        assertTrue(probe.reason().contains("not on the classpath"), probe.reason());
        assertEquals(Device.CPU, DeviceChoice.initialize(Device.CPU).chosen());
        DeviceChoice auto = DeviceChoice.initialize(RuntimeOptions.defaults());
        assertEquals(Device.AUTO, auto.requested());
        assertEquals(Device.CPU, auto.chosen());
        assertFalse(auto.warning().isEmpty());
        assertEquals(null, System.getProperty(CudaStatus.PLATFORM_EXTENSION), "no cuDNN natives here: left unset");
        assertThrows(IllegalStateException.class,
                () -> DeviceChoice.initialize(RuntimeOptions.builder().device(Device.CUDA).build()));
        String line = DeviceChoice.describeBackend();
        assertTrue(line.startsWith("backend CPU") && line.contains("threads"), line);
    }

    @Test
    void cudnnNativesGetTheirPlatformExtensionUnlessTheUserSetOne() {
        assertEquals("-cudnn", CudaStatus.extensionToSet(true, null));
        assertEquals("-cudnn", CudaStatus.extensionToSet(true, ""));
        assertEquals(null, CudaStatus.extensionToSet(true, "-avx512"));
        assertEquals(null, CudaStatus.extensionToSet(false, null));
    }

    @Test
    void parseListsValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertTrue(e.getMessage().contains("[auto, cpu, cuda]"), e.getMessage());
    }
}
