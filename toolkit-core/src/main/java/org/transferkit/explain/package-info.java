/**
 * Looking inside a model: a layer-by-layer summary ({@link org.transferkit.explain.ModelSummary}), grids of a
 * layer's activation maps and class-activation heat maps ({@link org.transferkit.explain.Explainer}).
 */
package org.transferkit.explain;
