/**
 * The contract a pretrained network fulfils to serve as a backbone: its input shape, the
 * preprocessing its weights expect, its named cut points with output shapes, and a loaded graph
 * ({@link org.transferkit.backbone.Backbone}); and where backbones are found by name: the
 * {@link org.transferkit.backbone.Backbones} registry of every installed
 * {@link org.transferkit.backbone.BackboneProvider} ({@link java.util.ServiceLoader}). Core knows no
 * pretrained architecture beyond the from-scratch {@link org.transferkit.backbone.ConvNet};
 * {@code toolkit-zoo} provides and registers them.
 */
package org.transferkit.backbone;
