/**
 * Predictions from a saved classifier inside a Java service: {@link org.transferkit.serve.ImageClassifier}
 * loads a bundle once and answers concurrent callers.
 */
package org.transferkit.serve;
