/**
 * Model concepts every other package shares, so that none of them has to lean on another for them: the
 * input shape ({@link org.transferkit.model.InputShape}) and preprocessing
 * ({@link org.transferkit.model.Preprocessing}) a network expects, the task it solves
 * ({@link org.transferkit.task.Task}) with its losses ({@link org.transferkit.task.Loss}) and metric
 * ({@link org.transferkit.task.TaskMetrics}), what one epoch measured
 * ({@link org.transferkit.model.EpochStats}), and a file left out of a run
 * ({@link org.transferkit.model.SkippedFile}). Depends on no other TransferKit package.
 */
package org.transferkit.model;
