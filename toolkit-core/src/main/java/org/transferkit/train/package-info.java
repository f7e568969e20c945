/**
 * Fine-tuning: the entry point ({@link org.transferkit.train.FineTuner}) and what it returns
 * ({@link org.transferkit.train.TrainedModel}), the settings ({@link org.transferkit.train.FineTune}) and per-epoch
 * events ({@link org.transferkit.train.TrainingListener}). {@link org.transferkit.train.Trainer} and
 * {@link org.transferkit.train.TrainingResult} are the low-level run the facade is built on.
 */
package org.transferkit.train;
