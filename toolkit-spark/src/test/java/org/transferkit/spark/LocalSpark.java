package org.transferkit.spark;

import org.apache.spark.sql.SparkSession;

/** The local Spark session of the module's tests: two threads, two attempts per task, no UI, loopback only. */
final class LocalSpark {
    private LocalSpark() {
    }

    static SparkSession start(String appName) {
        return SparkSession.builder().master("local[2,2]") // 2 threads, 2 attempts per task
                .appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }
}
