//! Searching the social map: words folded for case and accents, and how well a service matches.

/// Case- and accent-insensitive text for search.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// How well a service matches the search words: per word 3 for the service name, 2 for the
/// partner name, 1 for the description (the best of them); `None` when a word matches nowhere.
pub fn relevance(words: &[String], name: &str, partner: &str, description: &str) -> Option<u32> {
    let (name, partner, description) = (fold(name), fold(partner), fold(description));
    words.iter().try_fold(0, |sum, w| {
        let score = if name.contains(w.as_str()) {
            3
        } else if partner.contains(w.as_str()) {
            2
        } else if description.contains(w.as_str()) {
            1
        } else {
            return None;
        };
        Some(sum + score)
    })
}

/// The search words of `q`, folded.
pub fn words(q: Option<&str>) -> Vec<String> {
    q.map(fold)
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect()
}
