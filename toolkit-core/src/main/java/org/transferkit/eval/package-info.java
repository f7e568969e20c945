/**
 * Honest evaluation of a trained classifier on images it was not trained on: accuracy, per-class
 * precision, recall, F1 and support, the confusion matrix, and the files that could not be used.
 */
package org.transferkit.eval;
