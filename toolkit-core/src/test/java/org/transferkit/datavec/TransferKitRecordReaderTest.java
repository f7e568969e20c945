package org.transferkit.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaDataURI;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Text;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.TinyBackbone;
import org.transferkit.data.ImageSource;
import org.transferkit.model.InputShape;
import org.transferkit.model.SkippedFile;

class TransferKitRecordReaderTest {
    @TempDir
    Path tmp;

    @Test
    void drivesRecordReaderDataSetIteratorThroughEpochsWithCorruptFiles() throws Exception {
        Path dir = DataVecFixtures.folderWithBadFiles(tmp.resolve("data"), 6);
        InputShape shape = TinyBackbone.INPUT;
        try (TransferKitRecordReader reader = TransferKitRecordReader.builder(ImageSource.folder(dir))
                .backbone(new TinyBackbone(1)).build()) {
            assertEquals(List.of("blue", "red"), reader.getLabels());
            RecordReaderDataSetIterator it = new RecordReaderDataSetIterator(reader, 5,
                    TransferKitRecordReader.LABEL_INDEX, reader.getLabels().size());
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                    .updater(new Adam(1e-2)).list()
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                            .activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutional(shape.height(), shape.width(), shape.channels())).build());
            net.init();
            for (int epoch = 0; epoch < 2; epoch++) {
                it.reset();
                int examples = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    assertArrayEquals(new long[] {ds.numExamples(), 3, 16, 16}, ds.getFeatures().shape());
                    assertEquals(2, ds.getLabels().size(1));
                    net.fit(ds);
                    examples += ds.numExamples();
                }
                assertEquals(12, examples, "every good image, every epoch");
            }
            Set<Path> skipped = reader.skipped().stream().map(SkippedFile::path).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(DataVecFixtures.bad(dir)), skipped);
            assertTrue(reader.skipped().stream().allMatch(s -> !s.reason().isBlank()), reader.skipped().toString());
        }
    }

    @Test
    void recordsCarryTheImageTheLabelAndThePath() throws Exception {
        Path dir = DataVecFixtures.folderWithBadFiles(tmp.resolve("data"), 2);
        try (TransferKitRecordReader reader = TransferKitRecordReader.builder(ImageSource.folder(dir))
                .shape(TinyBackbone.INPUT).preprocessing(new TinyBackbone(1).preprocessing()).pathColumn(true).build()) {
            int n = 0;
            while (reader.hasNext()) {
                Record r = reader.nextRecord();
                Path file = Path.of(((RecordMetaDataURI) r.getMetaData()).getURI());
                assertEquals(3, r.getRecord().size());
                NDArrayWritable image = assertInstanceOf(NDArrayWritable.class, r.getRecord().get(0));
                assertArrayEquals(new long[] {1, 3, 16, 16}, image.get().shape());
                int label = assertInstanceOf(IntWritable.class, r.getRecord().get(TransferKitRecordReader.LABEL_INDEX)).get();
                assertEquals(file.getParent().getFileName().toString(), reader.getLabels().get(label));
                assertEquals(new Text(file.toString()), r.getRecord().get(TransferKitRecordReader.PATH_INDEX));
                assertEquals(r.getRecord(), reader.loadFromMetaData(r.getMetaData()).getRecord());
                n++;
            }
            assertEquals(4, n);
            reader.reset();
            assertTrue(reader.hasNext(), "a reset starts a new pass");
            FileSplit split = new FileSplit(dir.toFile());
            assertThrows(IllegalArgumentException.class, () -> reader.initialize(split));
        }
        assertThrows(IllegalArgumentException.class, () -> TransferKitRecordReader.builder(ImageSource.folder(dir)).build());
    }
}
