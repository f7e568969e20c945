package org.transferkit.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of every module's main sources depend one way: no package reaches itself through the imports of
 * TransferKit packages (directly or round a loop). Reads the sources of all modules beside this one.
 */
class PackageCyclesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile(
            "^import\\s+(?:static\\s+)?(org\\.transferkit(?:\\.[a-z0-9_]+)*)\\.[A-Z]", Pattern.MULTILINE);

    @Test
    void noPackageDependsOnItselfThroughOthers() throws IOException {
        Map<String, Set<String>> deps = dependencies(Path.of("..").toAbsolutePath().normalize());
        assertTrue(deps.size() >= 10, "expected the project's packages, found " + deps.keySet());
        List<String> cycles = new ArrayList<>();
        for (String p : deps.keySet()) {
            for (String q : reachable(deps, p)) {
                if (p.compareTo(q) < 0 && reachable(deps, q).contains(p)) {
                    cycles.add(p + " <-> " + q);
                }
            }
        }
        assertEquals(List.of(), cycles, "packages that depend on each other (move the shared concept down, e.g. to "
                + "org.transferkit.model, or invert the call)");
    }

    @Test
    void findsACycleWhenThereIsOne() {
        Map<String, Set<String>> deps = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")));
        assertTrue(reachable(deps, "a").contains("a"));
    }

    static Map<String, Set<String>> dependencies(Path root) throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        List<Path> sources;
        try (Stream<Path> s = Files.walk(root)) {
            sources = s.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/"))
                    .toList();
        }
        for (Path f : sources) {
            String text = Files.readString(f);
            Matcher pm = PACKAGE.matcher(text);
            if (!pm.find()) {
                continue;
            }
            String pkg = pm.group(1);
            Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher im = IMPORT.matcher(text);
            while (im.find()) {
                if (!im.group(1).equals(pkg)) {
                    out.add(im.group(1));
                }
            }
        }
        return deps;
    }

    static Set<String> reachable(Map<String, Set<String>> deps, String from) {
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            for (String next : deps.getOrDefault(todo.pop(), Set.of())) {
                if (seen.add(next)) {
                    todo.push(next);
                }
            }
        }
        return seen;
    }
}
