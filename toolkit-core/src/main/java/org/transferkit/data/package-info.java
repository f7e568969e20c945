/**
 * Labelled image files and the pipeline that turns them into batches: where images come from
 * ({@link org.transferkit.data.ImageSource}: a class folder tree, a CSV manifest, images given in code, or
 * one class of your own, listed as an {@link org.transferkit.data.ImageListing}), the dataset they build
 * into ({@link org.transferkit.data.ImageDataset}), seeded stratified splits
 * ({@link org.transferkit.data.DatasetSplit}), decoding and preprocessing
 * ({@link org.transferkit.data.ImageDecoder}, {@link org.transferkit.model.Preprocessing}) and
 * background prefetching batches ({@link org.transferkit.data.ImagePipeline}). Files a source cannot use
 * ({@link org.transferkit.data.ImageDataset#unusableReason}, link loops, CSV rows outside the CSV's folder) and files
 * that do not decode whole (corrupt, over the pixel cap, partly decodable) are skipped and reported as
 * {@link org.transferkit.model.SkippedFile}s, one list carried from the listing through the pipeline into training's
 * and evaluation's reports; never a crash mid-epoch, never a silent drop.
 */
package org.transferkit.data;
