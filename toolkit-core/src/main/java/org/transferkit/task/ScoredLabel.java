package org.transferkit.task;

/**
 * One class (or, for a multi-label model, one label) and its probability.
 *
 * @param label class name
 * @param index output unit of the class
 * @param probability softmax (single-label) or sigmoid (multi-label) probability in [0, 1]
 */
public record ScoredLabel(String label, int index, double probability) {
}
