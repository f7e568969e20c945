/**
 * Fine-tuning: the settings ({@link org.transferkit.train.FineTune}), the run
 * ({@link org.transferkit.train.Trainer}), per-epoch events ({@link org.transferkit.train.TrainingListener})
 * and what a run returns ({@link org.transferkit.train.TrainingResult}).
 */
package org.transferkit.train;
