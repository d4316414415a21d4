//! Batches built one call at a time, whose answers come back typed per element, matched by id.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::message::{typed, write_request};
use super::Error;
use crate::transport::connection::Answer;

/// A batch being built: calls and notifications, sent together with [`super::Client::send_batch`].
#[derive(Debug, Default)]
pub struct Batch {
    /// Each element written up to where its id goes (ids are given when the batch is sent, so that
    /// they are unique on the connection).
    elements: Vec<Element>,
    calls: usize,
}

#[derive(Debug)]
struct Element {
    text: Vec<u8>,
    call: bool,
}

/// Where a call's answer will be in the [`BatchResults`], and its result type.
#[derive(Debug)]
pub struct BatchSlot<R> {
    index: usize,
    result: PhantomData<fn() -> R>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds a call; its answer is read from the results with the returned slot.
    pub fn call<R, P>(&mut self, method: &str, params: P) -> Result<BatchSlot<R>, Error>
    where
        R: DeserializeOwned,
        P: Serialize,
    {
        self.push(method, params, true)?;
        self.calls += 1;
        Ok(BatchSlot {
            index: self.calls - 1,
            result: PhantomData,
        })
    }

    /// Adds a notification: it is executed, never answered.
    pub fn notify<P: Serialize>(&mut self, method: &str, params: P) -> Result<(), Error> {
        self.push(method, params, false)
    }

    fn push<P: Serialize>(&mut self, method: &str, params: P, call: bool) -> Result<(), Error> {
        let mut text = Vec::new();
        write_request(&mut text, method, &params, None)?;
        text.pop(); // the closing brace, written back after the id
        self.elements.push(Element { text, call });
        Ok(())
    }

    /// Elements in the batch.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Calls in the batch (elements that expect an answer).
    pub(crate) fn calls(&self) -> usize {
        self.calls
    }

    /// The batch's text, with ids counting up from `first_id`; and the ids of its calls in order.
    pub(crate) fn write(self, first_id: u64) -> (Vec<u8>, Vec<String>) {
        let mut out = Vec::with_capacity(self.elements.iter().map(|e| e.text.len() + 24).sum::<usize>() + 2);
        let mut ids = Vec::with_capacity(self.calls);
        out.push(b'[');
        for (index, element) in self.elements.into_iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&element.text);
            if element.call {
                let id = (first_id + ids.len() as u64).to_string();
                out.extend_from_slice(br#","id":"#);
                out.extend_from_slice(id.as_bytes());
                ids.push(id);
            }
            out.push(b'}');
        }
        out.push(b']');
        (out, ids)
    }
}

/// The answers to a batch's calls, in the order the calls were added.
#[derive(Debug)]
pub struct BatchResults {
    answers: Vec<Option<Answer>>,
}

impl BatchResults {
    /// Lines the answers up with the calls' ids, whatever order the server sent them in.
    pub(crate) fn new(ids: &[String], answered: Vec<(String, Answer)>) -> BatchResults {
        let mut answers: Vec<Option<Answer>> = ids.iter().map(|_| None).collect();
        for (id, answer) in answered {
            if let Some(index) = ids.iter().position(|known| *known == id) {
                answers[index] = Some(answer);
            }
        }
        BatchResults { answers }
    }

    /// Takes one call's typed result, or its error.
    pub fn take<R: DeserializeOwned>(&mut self, slot: BatchSlot<R>) -> Result<R, Error> {
        match self.answers.get_mut(slot.index).and_then(Option::take) {
            Some(answer) => typed(answer),
            None => Err(Error::invalid_reply(
                "the server did not answer this call of the batch (spec 6)",
            )),
        }
    }

    /// Calls the batch had.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// True when the batch had no calls (only notifications).
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}
