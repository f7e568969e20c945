/**
 * TransferKit on Apache Spark: featurizing an image dataset with a frozen backbone across a cluster, one Parquet row
 * per image, resumable by content hash ({@link org.transferkit.spark.FeaturizeJob}); training the head from those
 * rows as the single-machine trainer does ({@link org.transferkit.spark.TrainHeadJob}); predicting a large set with
 * a saved classifier ({@link org.transferkit.spark.PredictJob}); and the three on a local master
 * ({@link org.transferkit.spark.SparkCli}, behind {@code ./transferkit spark}). Spark is a provided dependency: the
 * cluster, or {@code spark-submit}, supplies it.
 */
package org.transferkit.spark;
