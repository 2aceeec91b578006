//! Asking once per key what a batch asks of each of its few owners, organizations or events
//! (may this actor see its rows?), however many rows share one.

use std::collections::HashMap;
use std::hash::Hash;

/// The answers given so far, by key.
#[derive(Debug)]
pub struct AskOnce<K, V>(HashMap<K, V>);

impl<K, V> Default for AskOnce<K, V> {
    fn default() -> Self {
        AskOnce(HashMap::new())
    }
}

impl<K: Eq + Hash + Copy, V: Clone> AskOnce<K, V> {
    /// The answer for `key`: asked with `ask` the first time, remembered after.
    pub async fn get<E>(&mut self, key: K, ask: impl AsyncFnOnce(K) -> Result<V, E>) -> Result<V, E> {
        if let Some(known) = self.0.get(&key) {
            return Ok(known.clone());
        }
        let answer = ask(key).await?;
        self.0.insert(key, answer.clone());
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_key_is_asked_once() {
        let mut asked = Vec::new();
        let mut answers = AskOnce::default();
        for key in [1, 2, 1, 1, 2, 3] {
            let answer: Result<bool, ()> = answers
                .get(key, async |k| {
                    asked.push(k);
                    Ok(k % 2 == 1)
                })
                .await;
            assert_eq!(answer, Ok(key % 2 == 1));
        }
        assert_eq!(asked, vec![1, 2, 3]);
    }
}
