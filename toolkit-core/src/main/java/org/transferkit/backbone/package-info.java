/**
 * The contract a pretrained network fulfils to serve as a backbone: its input shape, the
 * preprocessing its weights expect, its named cut points with output shapes, and a loaded graph.
 * Core knows no concrete architecture; {@code toolkit-zoo} provides them.
 */
package org.transferkit.backbone;
