/**
 * Labelled image files and the pipeline that turns them into batches: where images come from
 * ({@link org.transferkit.data.ImageSource}: a class folder tree, a CSV manifest, images given in code, or
 * one class of your own, listed as an {@link org.transferkit.data.ImageListing}), the dataset they build
 * into ({@link org.transferkit.data.ImageDataset}), seeded stratified splits
 * ({@link org.transferkit.data.DatasetSplit}), decoding and preprocessing
 * ({@link org.transferkit.data.ImageDecoder}, {@link org.transferkit.model.Preprocessing}) and
 * background prefetching batches ({@link org.transferkit.data.ImagePipeline}). Files that do not
 * decode are skipped and reported as {@link org.transferkit.model.SkippedFile}, never a crash mid-epoch.
 */
package org.transferkit.data;
