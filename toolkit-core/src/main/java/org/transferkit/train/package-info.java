/**
 * Fine-tuning: the entry point ({@link org.transferkit.train.FineTuner}) and what it returns
 * ({@link org.transferkit.train.TrainedModel}), the hyper-parameters ({@link org.transferkit.train.FineTune}) and
 * per-epoch events ({@link org.transferkit.train.TrainingListener}). The run itself (featurizing, the one
 * {@code EpochLoop} and its phases, checkpoints) is package-private; the trained DL4J network is reached only through
 * {@link org.transferkit.train.TrainedModel#interop()}.
 */
package org.transferkit.train;
