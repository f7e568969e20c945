/**
 * A prediction service over HTTP on the JDK's built-in server ({@link org.transferkit.examples.serve.PredictionService})
 * and a bounded load generator for it ({@link org.transferkit.examples.serve.LoadTest}).
 */
package org.transferkit.examples.serve;
