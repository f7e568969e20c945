package org.transferkit.datavec;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataURI;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Text;
import org.datavec.api.writable.Writable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.DatasetException;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageDecoder;
import org.transferkit.data.ImageSource;
import org.transferkit.data.LabelledImage;
import org.transferkit.data.Tensors;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/**
 * A TransferKit {@link ImageSource} (a class folder, a CSV manifest, a {@link DataVecSource} ...) as a DataVec
 * {@code RecordReader}, laid out as DataVec's {@code ImageRecordReader}: each record is the image as a
 * {@code [1, channels, height, width]} {@link NDArrayWritable} decoded and normalized by TransferKit's decoder
 * (EXIF orientation, GIF, the given preprocessing), then the class index as an {@link IntWritable} at
 * {@link #LABEL_INDEX}; optionally the file's path as {@link Text} at {@link #PATH_INDEX}. So DL4J code reads it as
 * it reads an {@code ImageRecordReader}:
 *
 * <pre>{@code
 * try (TransferKitRecordReader reader = TransferKitRecordReader.builder(ImageSource.folder(dir)).backbone(b).build()) {
 *     DataSetIterator it = new RecordReaderDataSetIterator(reader, 32, TransferKitRecordReader.LABEL_INDEX,
 *             reader.getLabels().size());
 *     net.fit(it, 10);
 *     reader.skipped().forEach(System.out::println);
 * }
 * }</pre>
 *
 * A file that does not decode is skipped (logged, and listed in {@link #skipped()} with its reason) and the next
 * one read instead, so an epoch never stops on a bad file. {@link #nextRecord()} carries the file's URI as
 * {@link RecordMetaDataURI}, which {@code RecordReaderDataSetIterator.setCollectMetaData(true)} passes on. Records
 * come in the source's order. Single-label sources only. Not thread-safe: one consumer at a time, as any
 * {@code RecordReader}; it holds no native memory or threads (each record's array is the caller's).
 */
public final class TransferKitRecordReader extends BaseRecordReader {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TransferKitRecordReader.class);

    /** Column of the class index, as in DataVec's {@code ImageRecordReader}; the image is column 0. */
    public static final int LABEL_INDEX = 1;
    /** Column of the file's path, when {@link Builder#pathColumn(boolean)} is on. */
    public static final int PATH_INDEX = 2;

    private final ImageDataset data;
    private final InputShape shape;
    private final Preprocessing preprocessing;
    private final boolean pathColumn;
    private final Map<Path, Integer> labelOf = new HashMap<>();
    private final Map<Path, SkippedFile> skipped = new LinkedHashMap<>();
    private int next;
    private List<Writable> lookahead;
    private LabelledImage lookaheadImage;
    private Configuration conf = new Configuration();

    private TransferKitRecordReader(ImageDataset data, Builder b) {
        this.data = data;
        this.shape = b.shape;
        this.preprocessing = b.preprocessing;
        this.pathColumn = b.pathColumn;
        for (LabelledImage img : data.images()) {
            labelOf.put(img.path(), img.label());
        }
        for (SkippedFile s : data.skipped()) {
            skipped.put(s.path(), s);
        }
    }

    /**
     * @param source the labelled images (single-label)
     * @return a builder; the input shape and preprocessing must be set, or a backbone that gives both
     */
    public static Builder builder(ImageSource source) {
        return new Builder(source);
    }

    /** @return the class names; label {@code i} of a record is {@code getLabels().get(i)} */
    @Override
    public List<String> getLabels() {
        return data.labels();
    }

    /**
     * @return the entries left out so far, in the order met: those the source could not use, and files that did
     *     not decode (with the decoder's reason)
     */
    public List<SkippedFile> skipped() {
        return List.copyOf(skipped.values());
    }

    /** @return how many images the source listed (before decoding failures) */
    public int size() {
        return data.size();
    }

    @Override
    public boolean hasNext() {
        while (lookahead == null && next < data.size()) {
            LabelledImage img = data.images().get(next++);
            try {
                lookahead = decode(img.path(), img.label());
                lookaheadImage = img;
            } catch (IOException | RuntimeException e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                skipped.put(img.path(), new SkippedFile(img.path(), reason));
                LOG.warn("skipped {}: {}", img.path(), reason);
            }
        }
        return lookahead != null;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    /**
     * @return the next record that decodes, with the file's URI as metadata
     * @throws NoSuchElementException if no image is left in this pass; call {@link #reset()}
     */
    @Override
    public Record nextRecord() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more images in this pass (" + data.size() + " listed, "
                    + skipped.size() + " skipped); call reset()");
        }
        URI uri = lookaheadImage.path().toUri();
        List<Writable> r = lookahead;
        lookahead = null;
        lookaheadImage = null;
        invokeListeners(uri);
        return new org.datavec.api.records.impl.Record(r, new RecordMetaDataURI(uri, TransferKitRecordReader.class));
    }

    private List<Writable> decode(Path file, int label) throws IOException {
        float[] chw = new float[shape.size()];
        ImageDecoder.decodeToChw(file, shape, preprocessing, chw, 0);
        return columns(file, chw, label);
    }

    private List<Writable> columns(Path file, float[] chw, int label) {
        List<Writable> r = new ArrayList<>(3);
        r.add(new NDArrayWritable(Tensors.nchw(chw, 1, shape)));
        r.add(new IntWritable(label));
        if (pathColumn) {
            r.add(new Text(file.toString()));
        }
        return r;
    }

    /**
     * Decodes one image of the source from a stream.
     *
     * @param uri the file the stream reads (one of the source's images; its label is looked up)
     * @param in the encoded image, read to its end (not closed)
     * @return its record
     * @throws IOException if the stream does not hold a decodable image, or the URI is not one of the source's images
     */
    @Override
    public List<Writable> record(URI uri, DataInputStream in) throws IOException {
        Path file = Path.of(uri);
        Integer label = labelOf.get(file);
        if (label == null) {
            throw new IOException(file + " is not one of this reader's " + data.size() + " images");
        }
        float[] chw = new float[shape.size()];
        ImageDecoder.decodeToChw(in.readAllBytes(), shape, preprocessing, chw, 0);
        return columns(file, chw, label);
    }

    /**
     * @param meta a record's metadata, as {@link #nextRecord()} gives it
     * @return the record read again
     * @throws IOException if its file does not decode (now) or is not one of the source's images
     */
    @Override
    public Record loadFromMetaData(RecordMetaData meta) throws IOException {
        Path file = Path.of(meta.getURI());
        Integer label = labelOf.get(file);
        if (label == null) {
            throw new IOException(file + " is not one of this reader's " + data.size() + " images");
        }
        return new org.datavec.api.records.impl.Record(decode(file, label), meta);
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> metas) throws IOException {
        List<Record> out = new ArrayList<>(metas.size());
        for (RecordMetaData m : metas) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    /**
     * The reader reads the source it was built from, so there is nothing to initialize: this restarts the pass.
     *
     * @param conf ignored
     * @param split must be null
     * @throws IllegalArgumentException if a split is given (build a reader over a {@link DataVecSource} of it)
     */
    @Override
    public void initialize(Configuration conf, InputSplit split) {
        if (split != null) {
            throw new IllegalArgumentException("a TransferKitRecordReader reads the ImageSource it was built from, "
                    + "not a split; got " + split + ". Build one with builder(DataVecSource.of(split, labels))");
        }
        reset();
    }

    @Override
    public void initialize(InputSplit split) {
        initialize(conf, split);
    }

    /** Restarts from the first image; files skipped so far stay in {@link #skipped()}. */
    @Override
    public void reset() {
        next = 0;
        lookahead = null;
        lookaheadImage = null;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public void setConf(Configuration c) {
        this.conf = Objects.requireNonNull(c, "conf");
    }

    @Override
    public Configuration getConf() {
        return conf;
    }

    /** Ends the pass; the reader holds no native memory or open files, so nothing else is released. */
    @Override
    public void close() {
        next = data.size();
        lookahead = null;
        lookaheadImage = null;
    }

    @Override
    public String toString() {
        return "TransferKitRecordReader(" + data + ", " + shape + ", " + preprocessing + ")";
    }

    /** Settings of a {@link TransferKitRecordReader}. Not thread-safe. */
    public static final class Builder {
        private final ImageSource source;
        private InputShape shape;
        private Preprocessing preprocessing;
        private boolean pathColumn;

        private Builder(ImageSource source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /** @param b the backbone whose input shape and preprocessing the images get @return this */
        public Builder backbone(Backbone b) {
            this.shape = b.inputShape();
            this.preprocessing = b.preprocessing();
            return this;
        }

        /** @param s the input shape the images are resized to @return this */
        public Builder shape(InputShape s) {
            this.shape = Objects.requireNonNull(s, "shape");
            return this;
        }

        /** @param p how pixels are resized and normalized @return this */
        public Builder preprocessing(Preprocessing p) {
            this.preprocessing = Objects.requireNonNull(p, "preprocessing");
            return this;
        }

        /**
         * @param on add the file's path as a {@link Text} column at {@link #PATH_INDEX} (default off; leave it off
         *     for {@code RecordReaderDataSetIterator}, which would take it as a feature)
         * @return this
         */
        public Builder pathColumn(boolean on) {
            this.pathColumn = on;
            return this;
        }

        /**
         * Lists the source.
         *
         * @return the reader
         * @throws DatasetException if the source cannot be read
         * @throws IllegalArgumentException if no shape or preprocessing was set, or the source is not single-label
         */
        public TransferKitRecordReader build() throws DatasetException {
            if (shape == null || preprocessing == null) {
                throw new IllegalArgumentException("set the input shape and preprocessing, or a backbone; got shape "
                        + shape + ", preprocessing " + preprocessing);
            }
            ImageDataset data = source.dataset();
            if (data.task() != Task.SINGLE_LABEL) {
                throw new IllegalArgumentException("a TransferKitRecordReader reads single-label sources, got a "
                        + data.task().id() + " source (" + source + ")");
            }
            return new TransferKitRecordReader(data, this);
        }
    }
}
