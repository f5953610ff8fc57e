/*
 * Loads a `splade-web export --format opensearch` file into Lucene the way OpenSearch's
 * rank_features field does (one FeatureField per token, field name = the mapped field), runs
 * neural_sparse query_tokens queries the way OpenSearch runs them over rank_features (a
 * BooleanQuery of FeatureField.newLinearQuery SHOULD clauses, so a document's score is
 * sum(query weight * stored feature value)), and prints each query's top hits as JSON.
 *
 *   java -cp lucene-core.jar:. LuceneCheck <mapping.json> <bulk.ndjson> <queries.ndjson>
 *
 * mapping.json: the export's mapping; every property of type rank_features is indexed.
 * bulk.ndjson:  the export's bulk body (action line, then source line, per document).
 * queries:      one OpenSearch search body a line, {"query":{"neural_sparse":{field:{"query_tokens":{..}}}}},
 *               with an optional "size" (default 10).
 * Output: one line a query, {"hits":[{"id":..,"score":..},..],"scale":s}; scores are Lucene's,
 * multiplied back by `scale` where the query weights had to be scaled down (below).
 *
 * Only lucene-core is needed; the JSON reader is a small one here, so the check has no other
 * dependency to install.
 */
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FeatureField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

public final class LuceneCheck {
  /*
   * FeatureField.newLinearQuery accepts weights in (0, 64] (it boosts the feature query by the
   * weight). Ranking is unchanged by a common factor, so a query whose largest weight is above
   * that is divided through and its scores multiplied back.
   */
  private static final float MAX_LINEAR_WEIGHT = 64f;

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: LuceneCheck <mapping.json> <bulk.ndjson> <queries.ndjson>");
      System.exit(2);
    }
    Map<String, Object> mapping = asObject(Json.parse(read(args[0])), "mapping");
    Map<String, Object> properties = asObject(asObject(mapping.get("mappings"), "mappings").get("properties"), "mappings.properties");
    List<String> featureFields = new ArrayList<>();
    for (Map.Entry<String, Object> p : properties.entrySet()) {
      if ("rank_features".equals(asObject(p.getValue(), p.getKey()).get("type"))) featureFields.add(p.getKey());
    }
    if (featureFields.isEmpty()) throw new IllegalArgumentException("the mapping has no rank_features property");

    ByteBuffersDirectory directory = new ByteBuffersDirectory();
    int documents = 0;
    try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig())) {
      List<String> lines = lines(args[1]);
      if (lines.size() % 2 != 0) throw new IllegalArgumentException("a bulk body has an action line and a source line per document; " + args[1] + " has " + lines.size() + " lines");
      for (int k = 0; k < lines.size(); k += 2) {
        Map<String, Object> action = asObject(asObject(Json.parse(lines.get(k)), "action line " + (k + 1)).get("index"), "index action, line " + (k + 1));
        String id = (String) action.get("_id");
        if (id == null) throw new IllegalArgumentException("line " + (k + 1) + " has no _id");
        Map<String, Object> source = asObject(Json.parse(lines.get(k + 1)), "source line " + (k + 2));
        Document doc = new Document();
        doc.add(new StoredField("_id", id));
        for (String field : featureFields) {
          Object features = source.get(field);
          if (features == null) continue;
          for (Map.Entry<String, Object> f : asObject(features, field).entrySet()) {
            // As rank_features indexes a feature: one FeatureField, the value kept to 9 significant bits.
            doc.add(new FeatureField(field, f.getKey(), ((Number) f.getValue()).floatValue()));
          }
        }
        writer.addDocument(doc);
        documents++;
      }
    }
    System.err.println("LuceneCheck: indexed " + documents + " documents, feature fields " + featureFields);

    StringBuilder out = new StringBuilder();
    try (DirectoryReader reader = DirectoryReader.open(directory)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      for (String line : lines(args[2])) {
        Map<String, Object> body = asObject(Json.parse(line), "query");
        int size = body.get("size") == null ? 10 : ((Number) body.get("size")).intValue();
        Map<String, Object> neural = asObject(asObject(body.get("query"), "query").get("neural_sparse"), "query.neural_sparse");
        if (neural.size() != 1) throw new IllegalArgumentException("neural_sparse names one field");
        String field = neural.keySet().iterator().next();
        Map<String, Object> tokens = asObject(asObject(neural.get(field), field).get("query_tokens"), "query_tokens");
        float max = 0f;
        for (Object w : tokens.values()) max = Math.max(max, ((Number) w).floatValue());
        float scale = max > MAX_LINEAR_WEIGHT ? max / MAX_LINEAR_WEIGHT : 1f;
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        for (Map.Entry<String, Object> t : tokens.entrySet()) {
          float w = ((Number) t.getValue()).floatValue() / scale;
          if (w > 0f) query.add(FeatureField.newLinearQuery(field, t.getKey(), w), BooleanClause.Occur.SHOULD);
        }
        TopDocs top = searcher.search(query.build(), size);
        out.append("{\"hits\":[");
        for (int k = 0; k < top.scoreDocs.length; k++) {
          ScoreDoc hit = top.scoreDocs[k];
          if (k > 0) out.append(',');
          out.append("{\"id\":");
          Json.quote(searcher.doc(hit.doc).get("_id"), out);
          out.append(",\"score\":").append((double) hit.score * scale).append('}');
        }
        out.append("],\"scale\":").append(scale).append("}\n");
      }
    }
    System.out.print(out);
  }

  private static String read(String file) throws IOException {
    return Files.readString(Path.of(file), StandardCharsets.UTF_8);
  }

  private static List<String> lines(String file) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String l : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) if (!l.isEmpty()) lines.add(l);
    return lines;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asObject(Object value, String what) {
    if (!(value instanceof Map)) throw new IllegalArgumentException(what + " is not a JSON object");
    return (Map<String, Object>) value;
  }

  /** A JSON reader (RFC 8259 values; objects keep their key order) and a string quoter. */
  static final class Json {
    private final String s;
    private int at;

    private Json(String s) {
      this.s = s;
    }

    static Object parse(String text) {
      Json j = new Json(text);
      Object v = j.value();
      j.space();
      if (j.at != text.length()) throw j.error("text after the value");
      return v;
    }

    private IllegalArgumentException error(String why) {
      return new IllegalArgumentException("bad JSON at " + at + ": " + why);
    }

    private void space() {
      while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) at++;
    }

    private Object value() {
      space();
      if (at >= s.length()) throw error("unexpected end");
      char c = s.charAt(at);
      if (c == '{') {
        at++;
        Map<String, Object> o = new LinkedHashMap<>();
        space();
        if (s.charAt(at) == '}') {
          at++;
          return o;
        }
        while (true) {
          space();
          if (s.charAt(at) != '"') throw error("expected a key");
          String key = string();
          space();
          if (s.charAt(at++) != ':') throw error("expected ':'");
          o.put(key, value());
          space();
          char d = s.charAt(at++);
          if (d == '}') return o;
          if (d != ',') throw error("expected ',' or '}'");
        }
      }
      if (c == '[') {
        at++;
        List<Object> a = new ArrayList<>();
        space();
        if (s.charAt(at) == ']') {
          at++;
          return a;
        }
        while (true) {
          a.add(value());
          space();
          char d = s.charAt(at++);
          if (d == ']') return a;
          if (d != ',') throw error("expected ',' or ']'");
        }
      }
      if (c == '"') return string();
      if (s.startsWith("true", at)) {
        at += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", at)) {
        at += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", at)) {
        at += 4;
        return null;
      }
      int start = at;
      while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) at++;
      if (start == at) throw error("unexpected '" + c + "'");
      // Doubles: the export writes float32 values as the shortest decimal of their double, so
      // (float) of the double is the exported float exactly.
      return Double.parseDouble(s.substring(start, at));
    }

    private String string() {
      at++; // the opening quote
      StringBuilder b = new StringBuilder();
      while (true) {
        if (at >= s.length()) throw error("unterminated string");
        char c = s.charAt(at++);
        if (c == '"') return b.toString();
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = s.charAt(at++);
        switch (e) {
          case '"': b.append('"'); break;
          case '\\': b.append('\\'); break;
          case '/': b.append('/'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'n': b.append('\n'); break;
          case 'r': b.append('\r'); break;
          case 't': b.append('\t'); break;
          case 'u':
            // UTF-16 code units, as JSON writes them: a surrogate pair arrives as two escapes.
            b.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
            at += 4;
            break;
          default: throw error("bad escape \\" + e);
        }
      }
    }

    static void quote(String v, StringBuilder out) {
      out.append('"');
      for (int k = 0; k < v.length(); k++) {
        char c = v.charAt(k);
        if (c == '"' || c == '\\') out.append('\\').append(c);
        else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
        else out.append(c);
      }
      out.append('"');
    }
  }
}
