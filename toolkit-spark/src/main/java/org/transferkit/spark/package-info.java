/**
 * TransferKit on Apache Spark: featurizing an image dataset with a frozen backbone across a cluster
 * ({@link org.transferkit.spark.FeaturizeJob}), one Parquet row per image. Spark is a provided dependency:
 * the cluster, or {@code spark-submit}, supplies it.
 */
package org.transferkit.spark;
