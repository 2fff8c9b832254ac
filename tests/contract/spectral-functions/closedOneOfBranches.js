// A `oneOf` without a discriminator is exclusive only if no instance can match two branches.
// For object branches that is guaranteed when every branch is closed (additionalProperties:
// false) and each pair differs in a required property the other branch does not have.
// Several array branches can never be exclusive: [] matches them all.
// (Loaded by .spectral.yaml's rule ke-one-of-closed; the input is the resolved schema.)
const isObject = (s) =>
  s && typeof s === "object" && (s.type === "object" || (Array.isArray(s.type) && s.type.includes("object")) || s.properties);

export default (schema) => {
  if (!schema || typeof schema !== "object" || !Array.isArray(schema.oneOf) || schema.discriminator) {
    return;
  }
  const results = [];
  const arrays = schema.oneOf.filter((s) => s && s.type === "array");
  if (arrays.length >= 2) {
    results.push({ message: "oneOf of several arrays: an empty array matches every branch (use anyOf)" });
  }
  const branches = schema.oneOf.filter(isObject);
  if (branches.length < 2) return results;
  schema.oneOf.forEach((b, i) => {
    if (isObject(b) && b.additionalProperties !== false) {
      results.push({ message: `oneOf branch ${i} is an open object: set additionalProperties: false (or use anyOf)`, path: ["oneOf", i] });
    }
  });
  const props = (b) => new Set(Object.keys(b.properties || {}));
  const req = (b) => b.required || [];
  for (let i = 0; i < schema.oneOf.length; i++) {
    for (let j = i + 1; j < schema.oneOf.length; j++) {
      const a = schema.oneOf[i], b = schema.oneOf[j];
      if (!isObject(a) || !isObject(b)) continue;
      const aExcludedByB = req(a).some((p) => !props(b).has(p));
      const bExcludedByA = req(b).some((p) => !props(a).has(p));
      if (!aExcludedByB && !bExcludedByA) {
        results.push({ message: `oneOf branches ${i} and ${j} can match the same object: each needs a required property the other lacks (or use anyOf)`, path: ["oneOf", i] });
      }
    }
  }
  return results;
};
