package org.rnn4j.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.onnx.OnnxProto.Graph;
import org.rnn4j.onnx.OnnxProto.Node;
import org.rnn4j.onnx.OnnxProto.ValueInfo;

/**
 * Checks a graph's wiring and orders its nodes: every op supported, every value produced exactly
 * once, every reference resolvable, no cycles. The result is the nodes in an order where each
 * runs after everything it reads.
 */
final class GraphPlan {
  private GraphPlan() {
  }

  /** The supported op types, for error messages. */
  static String supportedOps() {
    TreeSet<String> all = new TreeSet<>(GlueOps.OPS);
    all.addAll(RnnNode.OPS);
    return String.join(", ", all);
  }

  static List<Node> order(Graph g, String file) throws ModelFormatException {
    Set<String> available = new HashSet<>();
    for (TensorProtos.Decoded t : g.initializers()) {
      if (t.name().isEmpty()) {
        throw new ModelFormatException(file + ": an initializer has no name");
      }
      if (!available.add(t.name())) {
        throw new ModelFormatException(file + ": initializer '" + t.name() + "' is defined twice", t.name(), -1);
      }
    }
    Set<String> inputNames = new HashSet<>();
    for (ValueInfo v : g.inputs()) {
      if (v.name().isEmpty() || !inputNames.add(v.name())) {
        throw new ModelFormatException(file + ": graph input '" + v.name() + "' is empty or listed twice");
      }
      available.add(v.name());
    }
    List<Node> nodes = g.nodes();
    Map<String, Integer> producer = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (!n.domain().isEmpty()) {
        throw new ModelFormatException(file + ": " + n.label() + " is in domain '" + n.domain()
            + "'; rnn4j supports only the default ONNX domain");
      }
      if (!GlueOps.OPS.contains(n.opType()) && !RnnNode.OPS.contains(n.opType())) {
        throw new ModelFormatException(file + ": " + n.label() + ": op '" + n.opType() + "' is not supported (rnn4j "
            + "supports " + supportedOps() + ")");
      }
      for (String out : n.outputs()) {
        if (out.isEmpty()) {
          continue;
        }
        if (available.contains(out) || producer.putIfAbsent(out, i) != null) {
          throw new ModelFormatException(file + ": " + n.label() + " writes '" + out
              + "', which another node, a graph input or an initializer already defines");
        }
      }
    }
    // Kahn's algorithm over "node i reads a value node j writes".
    int[] waiting = new int[nodes.size()];
    List<List<Integer>> readers = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      readers.add(new ArrayList<>());
    }
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : nodes.get(i).inputs()) {
        if (in.isEmpty() || available.contains(in)) {
          continue;
        }
        Integer p = producer.get(in);
        if (p == null) {
          throw new ModelFormatException(file + ": " + nodes.get(i).label() + " reads '" + in
              + "', which no node, graph input or initializer provides");
        }
        waiting[i]++;
        readers.get(p).add(i);
      }
    }
    ArrayDeque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (waiting[i] == 0) {
        ready.add(i);
      }
    }
    List<Node> ordered = new ArrayList<>();
    while (!ready.isEmpty()) {
      int i = ready.poll();
      ordered.add(nodes.get(i));
      for (int r : readers.get(i)) {
        if (--waiting[r] == 0) {
          ready.add(r);
        }
      }
    }
    if (ordered.size() != nodes.size()) {
      List<String> stuck = new ArrayList<>();
      for (int i = 0; i < nodes.size() && stuck.size() < 5; i++) {
        if (waiting[i] > 0) {
          stuck.add(nodes.get(i).label());
        }
      }
      throw new ModelFormatException(file + ": the graph has a cycle through " + String.join(", ", stuck)
          + (nodes.size() - ordered.size() > stuck.size() ? ", …" : ""));
    }
    for (ValueInfo v : g.outputs()) {
      if (v.name().isEmpty() || (!available.contains(v.name()) && !producer.containsKey(v.name()))) {
        throw new ModelFormatException(file + ": graph output '" + v.name()
            + "' is not produced by any node, graph input or initializer");
      }
    }
    return ordered;
  }
}
