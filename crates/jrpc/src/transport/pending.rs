//! What one persistent connection waits for: answers to the calls it made (matched by id, whatever
//! order they come in) and notifications that someone subscribed to.
// The engine serves both roles; a build without the client, or with the client alone, leaves one
// half of it unused.
#![cfg_attr(
    not(all(feature = "client", any(feature = "ws", feature = "stream"))),
    allow(dead_code, unused_imports)
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};

use crate::wire::{ErrorObject, Response, ResponseError, Responses};

/// How the other side answered one call.
#[derive(Debug)]
pub(crate) enum Answer {
    Result(Box<RawValue>),
    Error(ErrorObject),
    /// The reply broke the specification; the reason says how.
    Broken(String),
}

impl Answer {
    pub(crate) fn of(response: Response<'_>) -> Answer {
        match response.outcome {
            Ok(raw) => match RawValue::from_string(raw.to_owned()) {
                Ok(raw) => Answer::Result(raw),
                Err(error) => Answer::Broken(error.to_string()),
            },
            Err(error) => Answer::Error(error),
        }
    }
}

/// How the other side answered a batch.
#[derive(Debug)]
pub(crate) enum BatchAnswer {
    /// One answer per element that was answered, with its raw id.
    Each(Vec<(String, Answer)>),
    /// One answer for the whole batch (the server could not read it as a batch at all).
    Whole(Answer),
}

/// Answers collected for one batch, with their raw ids.
type Answered = Vec<(String, Answer)>;

/// Someone waiting for a reply.
pub(crate) enum Waiter {
    Call(oneshot::Sender<Answer>),
    /// A call whose successful result is a subscription id: the subscription is registered before
    /// the next frame is read, so that no notification for it can slip past.
    Subscribe {
        answer: oneshot::Sender<Answer>,
        subscriber: Subscriber,
        method: String,
    },
    /// One element of a batch; every element shares the batch's answer.
    Batch(Arc<BatchWaiter>),
}

/// The shared answer of one batch.
pub(crate) struct BatchWaiter {
    ids: Vec<String>,
    answer: Mutex<Option<oneshot::Sender<BatchAnswer>>>,
}

impl BatchWaiter {
    pub(crate) fn new(ids: Vec<String>) -> (Arc<BatchWaiter>, oneshot::Receiver<BatchAnswer>) {
        let (answer, answered) = oneshot::channel();
        let waiter = BatchWaiter {
            ids,
            answer: Mutex::new(Some(answer)),
        };
        (Arc::new(waiter), answered)
    }

    pub(crate) fn ids(&self) -> &[String] {
        &self.ids
    }

    fn answer(&self, answer: BatchAnswer) {
        let sender = self
            .answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
    }
}

/// One receiver of notifications of a method: all of them, or only those of one subscription.
pub(crate) struct Subscriber {
    pub key: u64,
    /// The raw subscription id that `params.subscription` must equal; `None` takes every notification.
    pub filter: Option<String>,
    pub events: mpsc::Sender<Box<RawValue>>,
    /// Set when the receiver fell behind and the subscription was dropped.
    pub lagged: Arc<AtomicBool>,
}

/// The calls and subscriptions of one connection.
#[derive(Default)]
pub(crate) struct Table {
    waiters: HashMap<String, Waiter>,
    subscribers: HashMap<String, Vec<Subscriber>>,
    /// Subscription events that came before the reply with their subscription id (a server may
    /// push its first item before its answer is written): kept, bounded, while a subscribe call of
    /// their method is in flight, and delivered once the id is known.
    early: Vec<(String, String)>,
}

/// How many early subscription events a connection keeps at most.
const EARLY_EVENTS: usize = 64;

impl Table {
    /// Nothing waits for anything: every frame is for the server.
    pub(crate) fn is_idle(&self) -> bool {
        self.waiters.is_empty() && self.subscribers.is_empty()
    }

    pub(crate) fn insert(&mut self, id: String, waiter: Waiter) {
        self.waiters.insert(id, waiter);
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.waiters.remove(id);
    }

    pub(crate) fn subscribe(&mut self, method: String, subscriber: Subscriber) {
        self.subscribers.entry(method).or_default().push(subscriber);
    }

    pub(crate) fn unsubscribe(&mut self, method: &str, key: u64) {
        if let Some(list) = self.subscribers.get_mut(method) {
            list.retain(|subscriber| subscriber.key != key);
            if list.is_empty() {
                self.subscribers.remove(method);
            }
        }
    }

    /// Drops every waiter and subscriber: their calls fail as closed and their streams end.
    pub(crate) fn clear(&mut self) {
        self.waiters.clear();
        self.subscribers.clear();
        self.early.clear();
    }

    /// Hands replies to their waiters. Replies nobody waits for are logged and dropped.
    pub(crate) fn deliver(&mut self, responses: Responses<'_>) {
        match responses {
            Responses::Single(response) => {
                let id = response.id.to_owned();
                self.answer(&id, Answer::of(response));
            }
            Responses::Batch(elements) => {
                let mut batches: Vec<(Arc<BatchWaiter>, Answered)> = Vec::new();
                for element in elements {
                    let (id, answer) = match element {
                        Ok(response) => (response.id.to_owned(), Answer::of(response)),
                        Err(error) => match error.id() {
                            Some(id) => (id.to_owned(), Answer::Broken(error.reason().to_owned())),
                            None => {
                                tracing::debug!(%error, "dropping a broken reply without a usable id");
                                continue;
                            }
                        },
                    };
                    match self.waiters.get(&id) {
                        Some(Waiter::Batch(batch)) => {
                            let batch = Arc::clone(batch);
                            match batches.iter_mut().find(|(known, _)| Arc::ptr_eq(known, &batch)) {
                                Some((_, answers)) => answers.push((id, answer)),
                                None => batches.push((batch, vec![(id, answer)])),
                            }
                        }
                        _ => self.answer(&id, answer),
                    }
                }
                for (batch, answers) in batches {
                    for id in batch.ids() {
                        self.waiters.remove(id);
                    }
                    batch.answer(BatchAnswer::Each(answers));
                }
            }
        }
    }

    /// Hands a reply that breaks the specification to the call it names, if any.
    pub(crate) fn deliver_broken(&mut self, error: &ResponseError) {
        match error.id() {
            Some(id) => {
                let id = id.to_owned();
                self.answer(&id, Answer::Broken(error.reason().to_owned()));
            }
            None => tracing::debug!(%error, "dropping a broken reply without a usable id"),
        }
    }

    /// Fails every call in flight with the same reason: for garbage that cannot be tied to one call.
    pub(crate) fn fail_all(&mut self, reason: &str) {
        for (_, waiter) in self.waiters.drain() {
            match waiter {
                Waiter::Call(answer) | Waiter::Subscribe { answer, .. } => {
                    let _ = answer.send(Answer::Broken(reason.to_owned()));
                }
                Waiter::Batch(batch) => batch.answer(BatchAnswer::Whole(Answer::Broken(reason.to_owned()))),
            }
        }
    }

    fn answer(&mut self, id: &str, answer: Answer) {
        match self.waiters.remove(id) {
            Some(Waiter::Call(sender)) => {
                let _ = sender.send(answer);
            }
            Some(Waiter::Subscribe {
                answer: sender,
                mut subscriber,
                method,
            }) => {
                if let Answer::Result(subscription) = &answer {
                    let id = subscription.get().trim().to_owned();
                    subscriber.filter = Some(id.clone());
                    self.subscribe(method.clone(), subscriber);
                    self.deliver_early(&method, &id);
                }
                let _ = sender.send(answer);
            }
            Some(Waiter::Batch(batch)) => {
                for other in batch.ids() {
                    self.waiters.remove(other);
                }
                batch.answer(BatchAnswer::Each(vec![(id.to_owned(), answer)]));
            }
            None => tracing::debug!(id, "dropping a reply to no call in flight"),
        }
    }

    /// Offers a notification to its subscribers; false when nobody subscribed to its method.
    pub(crate) fn notify(&mut self, method: &str, params: Option<&str>) -> bool {
        let subscription = params.and_then(subscription_event);
        let known = self.offer(method, params, subscription.as_ref());
        if known == Some(true) {
            return true;
        }
        match params {
            Some(params) if subscription.is_some() && self.subscribing(method) => {
                if self.early.len() == EARLY_EVENTS {
                    self.early.remove(0);
                }
                self.early.push((method.to_owned(), params.to_owned()));
                true
            }
            _ => known.is_some(),
        }
    }

    /// True while a subscribe call whose notifications are `method` waits for its reply.
    fn subscribing(&self, method: &str) -> bool {
        self.waiters
            .values()
            .any(|waiter| matches!(waiter, Waiter::Subscribe { method: waiting, .. } if waiting == method))
    }

    /// Delivers the early events of the subscription `id` now that it is registered.
    fn deliver_early(&mut self, method: &str, id: &str) {
        let early = std::mem::take(&mut self.early);
        for (event_method, params) in early {
            let ours = event_method == method
                && subscription_event(&params).is_some_and(|(event_id, _)| event_id == id);
            if ours {
                self.offer(&event_method, Some(&params), subscription_event(&params).as_ref());
            } else if self.subscribing(&event_method) {
                self.early.push((event_method, params));
            }
        }
    }

    /// Offers a notification to the subscribers of its method: `None` if there are none, else
    /// whether one of them took it.
    fn offer(
        &mut self,
        method: &str,
        params: Option<&str>,
        subscription: Option<&(String, &str)>,
    ) -> Option<bool> {
        let list = self.subscribers.get_mut(method)?;
        let mut delivered = false;
        list.retain(|subscriber| {
            let event = match (&subscriber.filter, &subscription) {
                (None, _) => RawValue::from_string(params.unwrap_or("null").to_owned()).ok(),
                (Some(filter), Some((id, result))) if filter == id => {
                    RawValue::from_string((*result).to_owned()).ok()
                }
                _ => return true,
            };
            let Some(event) = event else { return true };
            delivered = true;
            match subscriber.events.try_send(event) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    subscriber.lagged.store(true, Ordering::Release);
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
        if list.is_empty() {
            self.subscribers.remove(method);
        }
        Some(delivered)
    }
}

/// The `subscription` id and `result` of a subscription notification's params, as raw text.
fn subscription_event(params: &str) -> Option<(String, &str)> {
    #[derive(serde::Deserialize)]
    struct Event<'a> {
        #[serde(borrow)]
        subscription: &'a RawValue,
        #[serde(borrow)]
        result: &'a RawValue,
    }
    let event: Event<'_> = serde_json::from_str(params).ok()?;
    Some((event.subscription.get().trim().to_owned(), event.result.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse_responses;

    #[tokio::test]
    async fn replies_reach_their_calls_in_any_order() {
        let mut table = Table::default();
        let (first, first_answer) = oneshot::channel();
        let (second, second_answer) = oneshot::channel();
        table.insert("1".into(), Waiter::Call(first));
        table.insert("2".into(), Waiter::Call(second));
        table.deliver(parse_responses(r#"{"jsonrpc":"2.0","result":"b","id":2}"#).unwrap());
        table.deliver(
            parse_responses(r#"{"jsonrpc":"2.0","error":{"code":-1,"message":"no"},"id":1}"#).unwrap(),
        );
        assert!(matches!(second_answer.await.unwrap(), Answer::Result(raw) if raw.get() == "\"b\""));
        assert!(matches!(first_answer.await.unwrap(), Answer::Error(error) if error.code() == -1));
        assert!(table.is_idle());
    }

    #[tokio::test]
    async fn a_batch_reply_answers_the_whole_batch() {
        let mut table = Table::default();
        let (batch, answered) = BatchWaiter::new(vec!["1".into(), "2".into(), "3".into()]);
        for id in batch.ids().to_vec() {
            table.insert(id, Waiter::Batch(Arc::clone(&batch)));
        }
        table.deliver(
            parse_responses(r#"[{"jsonrpc":"2.0","result":3,"id":3},{"jsonrpc":"2.0","result":1,"id":1}]"#)
                .unwrap(),
        );
        let BatchAnswer::Each(answers) = answered.await.unwrap() else {
            panic!("expected per-element answers")
        };
        let ids: Vec<&str> = answers.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["3", "1"]);
        assert!(table.is_idle(), "the unanswered element is no longer waited for");
    }

    #[tokio::test]
    async fn subscription_events_are_filtered_by_id() {
        let mut table = Table::default();
        let (events, mut received) = mpsc::channel(4);
        let (answer, answered) = oneshot::channel();
        let subscriber = Subscriber {
            key: 1,
            filter: None,
            events,
            lagged: Arc::default(),
        };
        table.insert(
            "5".into(),
            Waiter::Subscribe {
                answer,
                subscriber,
                method: "tick".into(),
            },
        );
        table.deliver(parse_responses(r#"{"jsonrpc":"2.0","result":"abc","id":5}"#).unwrap());
        assert!(matches!(answered.await.unwrap(), Answer::Result(_)));
        assert!(table.notify("tick", Some(r#"{"subscription":"other","result":0}"#)));
        assert!(table.notify("tick", Some(r#"{"subscription":"abc","result":[1,2]}"#)));
        assert!(!table.notify("tock", None));
        assert_eq!(received.recv().await.unwrap().get(), "[1,2]");
        assert!(received.try_recv().is_err());
    }

    #[tokio::test]
    async fn events_before_the_subscription_id_are_kept_until_it_comes() {
        let mut table = Table::default();
        let (events, mut received) = mpsc::channel(4);
        let (answer, _answered) = oneshot::channel();
        let subscriber = Subscriber {
            key: 1,
            filter: None,
            events,
            lagged: Arc::default(),
        };
        table.insert(
            "5".into(),
            Waiter::Subscribe {
                answer,
                subscriber,
                method: "tick".into(),
            },
        );
        assert!(table.notify("tick", Some(r#"{"subscription":"abc","result":1}"#)));
        assert!(table.notify("tick", Some(r#"{"subscription":"other","result":2}"#)));
        table.deliver(parse_responses(r#"{"jsonrpc":"2.0","result":"abc","id":5}"#).unwrap());
        assert_eq!(received.recv().await.unwrap().get(), "1");
        assert!(received.try_recv().is_err());
        assert!(
            table.early.is_empty(),
            "nothing waits for the other subscription's events"
        );
    }

    #[test]
    fn a_full_subscriber_is_dropped_and_marked_lagged() {
        let mut table = Table::default();
        let (events, _received) = mpsc::channel(1);
        let lagged = Arc::new(AtomicBool::new(false));
        table.subscribe(
            "tick".into(),
            Subscriber {
                key: 1,
                filter: None,
                events,
                lagged: Arc::clone(&lagged),
            },
        );
        assert!(table.notify("tick", Some("[1]")));
        assert!(table.notify("tick", Some("[2]")));
        assert!(lagged.load(Ordering::Acquire));
        assert!(table.is_idle());
    }
}
