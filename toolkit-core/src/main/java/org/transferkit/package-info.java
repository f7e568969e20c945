/**
 * TransferKit: turn a pretrained image network into a classifier for your own images.
 *
 * <p>The way one image travels: {@link org.transferkit.data.ImageDataset} (labelled files) →
 * {@link org.transferkit.data.ImagePipeline} (decode, resize, normalize, batch) →
 * {@link org.transferkit.backbone.Backbone} (frozen pretrained graph, cut point) →
 * {@link org.transferkit.head.HeadSpec} (new layers) → {@link org.transferkit.train.Trainer} →
 * {@link org.transferkit.bundle.ClassifierBundle} (one file) → {@link org.transferkit.serve.ImageClassifier}.
 *
 * <p>This root package holds the checked exception family: {@link org.transferkit.TransferKitException}
 * for failures outside the caller's control (files, network, corrupt models). Caller mistakes are
 * {@link IllegalArgumentException}; calls in the wrong lifecycle state are {@link IllegalStateException}.
 */
package org.transferkit;
