//! How each context's commands are decided: the five synergies on their stream's state,
//! evaluation on its stream's events and the partnership's model.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use synergy_domain::{BoundedContext, DecisionContext};
use synergy_evaluation::{EvaluationContext, PartnershipModel};
use synergy_proto::{Event, StreamId};

use super::ExecuteError;

/// The views a decision consults beyond its [`DecisionContext`], loaded after its stream.
#[derive(Debug, Default)]
pub(super) struct Consulted {
    /// Evaluation's model of the partnership, if the declaration names it.
    pub(super) model: Option<Arc<PartnershipModel>>,
}

/// How the executor decides one context's commands: on the state of their stream, folded
/// by `evolve` and kept between commands ([`KeptStates`]).
pub(super) trait Decide {
    type Command: Serialize + Clone + Send + Sync;
    type State: Default + Clone + Serialize + serde::de::DeserializeOwned + Send + Sync + 'static;
    fn stream_of(command: &Self::Command) -> StreamId;
    fn evolve(state: Self::State, event: &Event) -> Self::State;
    fn decide(
        state: &Self::State,
        command: Self::Command,
        ctx: &DecisionContext,
        consulted: &Consulted,
    ) -> Result<Vec<Event>, ExecuteError>;
}

/// One of the five synergies: decided on its stream and the decision context.
pub(super) struct Synergy<C>(PhantomData<C>);

impl<C: BoundedContext> Decide for Synergy<C>
where
    C::Command: Send + Sync,
{
    type Command = C::Command;
    type State = C::State;
    fn stream_of(command: &C::Command) -> StreamId {
        C::stream_of(command)
    }
    fn evolve(state: C::State, event: &Event) -> C::State {
        C::evolve(state, event)
    }
    fn decide(
        state: &C::State,
        command: C::Command,
        ctx: &DecisionContext,
        _: &Consulted,
    ) -> Result<Vec<Event>, ExecuteError> {
        Ok(C::decide(state, command, ctx)?)
    }
}

/// Evaluation: decided on its stream, the decision context and the partnership's model.
pub(super) struct Evaluation;

impl Decide for Evaluation {
    type Command = synergy_evaluation::Command;
    /// Evaluation decides on its stream's events themselves (an issued version on those
    /// before it), so those are what is kept.
    type State = Vec<Event>;
    fn stream_of(command: &Self::Command) -> StreamId {
        EvaluationContext::stream_of(command)
    }
    fn evolve(mut history: Vec<Event>, event: &Event) -> Vec<Event> {
        history.push(event.clone());
        history
    }
    fn decide(
        history: &Vec<Event>,
        command: Self::Command,
        ctx: &DecisionContext,
        consulted: &Consulted,
    ) -> Result<Vec<Event>, ExecuteError> {
        // A command whose declaration names no evaluation view (`set-issuing`) decides on
        // its stream alone: it is handed an empty model, which it does not read.
        let empty;
        let model = match consulted.model.as_deref() {
            Some(model) => model,
            None => {
                empty = PartnershipModel::new(command.partnership().clone());
                &empty
            }
        };
        Ok(EvaluationContext::execute(history, command, ctx, model)?)
    }
}
