package org.transferkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.DemoShapes;

/**
 * The README's library example, as written: the Java block between the {@code readme-example} markers is compiled
 * against the project's classes and run in a fresh JVM whose working folder holds {@code photos/} (generated demo
 * shapes, one sub-folder per class).
 */
class ReadmeExampleTest {
    static final String BEGIN = "<!-- readme-example:begin -->";
    static final String END = "<!-- readme-example:end -->";

    @TempDir
    Path tmp;

    /** @return the example's code lines, without the Markdown fences */
    static List<String> example() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        assertTrue(b >= 0 && e > b, "README.md marks its library example with " + BEGIN + " ... " + END);
        return readme.substring(b + BEGIN.length(), e).lines().filter(l -> !l.startsWith("```")).toList();
    }

    @Test
    void theExampleIsAtMostADozenLines() throws IOException {
        List<String> code = example().stream().filter(l -> !l.isBlank()).toList();
        assertTrue(code.size() <= 12, "the library example has " + code.size() + " lines: " + code);
    }

    @Test
    void theExampleCompilesAndRunsAsWritten() throws Exception {
        DemoShapes.writeDataset(tmp.resolve("photos"), DemoShapes.Task.TARGET, 12, 5);
        Path src = tmp.resolve("src/ReadmeExample.java");
        Files.createDirectories(src.getParent());
        StringBuilder code = new StringBuilder();
        for (String pkg : List.of("java.nio.file", "org.transferkit.backbone", "org.transferkit.data",
                "org.transferkit.serve", "org.transferkit.task", "org.transferkit.train", "org.transferkit.zoo")) {
            code.append("import ").append(pkg).append(".*;\n");
        }
        code.append("public class ReadmeExample {\n  public static void main(String[] args) throws Exception {\n");
        example().forEach(l -> code.append("    ").append(l).append('\n'));
        code.append("  }\n}\n");
        Files.writeString(src, code);
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String cp = System.getProperty("java.class.path");
        assertEquals(0, javac.run(null, null, null, "-cp", cp, "-d", classes.toString(), src.toString()),
                "the README example compiles");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + java.io.File.pathSeparator + cp, "ReadmeExample")
                .directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        assertTrue(Files.isRegularFile(tmp.resolve("classifier.zip")), out);
        assertTrue(DemoShapes.Task.TARGET.classes().stream().anyMatch(out::contains), "prints a prediction: " + out);
    }
}
