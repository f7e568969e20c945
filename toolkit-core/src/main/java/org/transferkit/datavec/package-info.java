/**
 * DataVec in and out, for DL4J users who arrive with a DataVec image pipeline or want TransferKit's data in
 * theirs. Nothing else in TransferKit depends on this package.
 *
 * <ul>
 *   <li>In: {@link org.transferkit.datavec.DataVecSource} lists a DataVec {@code InputSplit} (a {@code FileSplit},
 *       or one half of {@code FileSplit.sample(BalancedPathFilter, ...)}) labelled by its
 *       {@code PathLabelGenerator}, as an {@link org.transferkit.data.ImageSource}: TransferKit's decoder then
 *       reads the files, so undecodable ones are skipped and reported by name, and preprocessing comes from the
 *       backbone.</li>
 *   <li>Augmentation: {@link org.transferkit.datavec.DataVecAugmentation} makes any DataVec
 *       {@code ImageTransform} (a {@code PipelineImageTransform} with its probabilities and seed too) a
 *       train-time {@link org.transferkit.data.Augmentation}, seeded per image.</li>
 *   <li>Out: {@link org.transferkit.datavec.TransferKitRecordReader} is a DataVec {@code RecordReader} over any
 *       {@link org.transferkit.data.ImageSource}, laid out as DataVec's {@code ImageRecordReader} (image as an
 *       NCHW array, then the label index), for {@code RecordReaderDataSetIterator}; a bad file is skipped and
 *       reported instead of ending the epoch.</li>
 * </ul>
 */
package org.transferkit.datavec;
