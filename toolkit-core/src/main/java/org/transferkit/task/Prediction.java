package org.transferkit.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a model predicts for one image, typed by its task: {@link Classes} (single-label: classes ranked by
 * probability), {@link Labels} (multi-label: the labels at or above the decision threshold) or {@link Values}
 * (regression: one number per target, in the training data's units). Immutable.
 */
public sealed interface Prediction permits Prediction.Classes, Prediction.Labels, Prediction.Values {
    /** @return the task that made it */
    Task task();

    /** @return a JSON-ready map: {@code predictions} (a list of label/probability) or {@code values} */
    Map<String, Object> toMap();

    /** @return one line for a console, e.g. {@code star 0.9312, ring 0.0411} */
    String summary();

    /**
     * Single-label: the classes, most probable first.
     *
     * @param ranked at least one class, by descending probability
     */
    record Classes(List<ScoredLabel> ranked) implements Prediction {
        /** Copies the list. */
        public Classes {
            ranked = List.copyOf(ranked);
        }

        /** @return the most probable class */
        public ScoredLabel top() {
            return ranked.get(0);
        }

        @Override
        public Task task() {
            return Task.SINGLE_LABEL;
        }

        @Override
        public Map<String, Object> toMap() {
            return Map.of("predictions", scored(ranked));
        }

        @Override
        public String summary() {
            return line(ranked);
        }
    }

    /**
     * Multi-label: every label at or above the threshold.
     *
     * @param present the labels predicted, by descending probability (may be empty)
     * @param all every label with its probability, by descending probability
     * @param threshold the decision threshold used
     */
    record Labels(List<ScoredLabel> present, List<ScoredLabel> all, double threshold) implements Prediction {
        /** Copies the lists. */
        public Labels {
            present = List.copyOf(present);
            all = List.copyOf(all);
        }

        @Override
        public Task task() {
            return Task.MULTI_LABEL;
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("predictions", scored(present));
            m.put("threshold", threshold);
            return m;
        }

        @Override
        public String summary() {
            return present.isEmpty() ? "(no label)" : line(present);
        }
    }

    /**
     * Regression: the predicted value of each target.
     *
     * @param values target name to value, in the model's output order
     */
    record Values(Map<String, Double> values) implements Prediction {
        /** Copies the map, keeping its order. */
        public Values {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        @Override
        public Task task() {
            return Task.REGRESSION;
        }

        @Override
        public Map<String, Object> toMap() {
            return Map.of("values", values);
        }

        @Override
        public String summary() {
            return values.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", "));
        }
    }

    private static List<Map<String, Object>> scored(List<ScoredLabel> list) {
        return list.stream().map(p -> Map.<String, Object>of("label", p.label(), "probability", p.probability()))
                .toList();
    }

    private static String line(List<ScoredLabel> list) {
        return list.stream().map(p -> String.format(Locale.ROOT, "%s %.4f", p.label(), p.probability()))
                .collect(Collectors.joining(", "));
    }
}
