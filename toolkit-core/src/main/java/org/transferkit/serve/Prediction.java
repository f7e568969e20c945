package org.transferkit.serve;

/**
 * One class and its probability.
 *
 * @param label class name
 * @param index output unit of the class
 * @param probability softmax probability in [0, 1]
 */
public record Prediction(String label, int index, double probability) {
}
