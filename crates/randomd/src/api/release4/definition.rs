//! Release 4 (also served as Release 2) defined once, as a trait with `#[jrpc::rpc]`:
//! `Release4Server::into_methods` registers randomd's methods, and `Release4Client` gives Rust
//! programs a client of any Release 4 server over every transport `jrpc::client::Client` speaks.
//!
//! Every method takes [`Params4`], the named params of the reference: the server checks them
//! against the method called, in the reference's order and with RANDOM.ORG's error codes; a client
//! builds them with `Params4::new`. Results keep their members in the reference's order.

use jrpc::ErrorObject;

use super::Params4;
use crate::ordered_json::OrderedJson;

/// RANDOM.ORG's JSON-RPC API, Release 4: generators (basic and signed), kept results, tickets,
/// usage and verification.
#[jrpc::rpc]
pub trait Release4 {
    /// Generates true random integers in [min, max], each in base 2, 8, 10 or 16.
    #[rpc(name = "generateIntegers", raw_params)]
    async fn generate_integers(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random integers in [min, max], signed.
    #[rpc(name = "generateSignedIntegers", raw_params)]
    async fn generate_signed_integers(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates sequences of true random integers, each with its own length and range.
    #[rpc(name = "generateIntegerSequences", raw_params)]
    async fn generate_integer_sequences(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates sequences of true random integers, signed.
    #[rpc(name = "generateSignedIntegerSequences", raw_params)]
    async fn generate_signed_integer_sequences(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random decimal fractions, uniform on [0, 1).
    #[rpc(name = "generateDecimalFractions", raw_params)]
    async fn generate_decimal_fractions(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random decimal fractions, uniform on [0, 1), signed.
    #[rpc(name = "generateSignedDecimalFractions", raw_params)]
    async fn generate_signed_decimal_fractions(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random numbers from a Gaussian distribution.
    #[rpc(name = "generateGaussians", raw_params)]
    async fn generate_gaussians(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random numbers from a Gaussian distribution, signed.
    #[rpc(name = "generateSignedGaussians", raw_params)]
    async fn generate_signed_gaussians(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random strings from the given characters.
    #[rpc(name = "generateStrings", raw_params)]
    async fn generate_strings(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random strings from the given characters, signed.
    #[rpc(name = "generateSignedStrings", raw_params)]
    async fn generate_signed_strings(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random version 4 UUIDs.
    #[rpc(name = "generateUUIDs", raw_params)]
    async fn generate_uuids(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random version 4 UUIDs, signed.
    #[rpc(name = "generateSignedUUIDs", raw_params)]
    async fn generate_signed_uuids(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random binary blobs.
    #[rpc(name = "generateBlobs", raw_params)]
    async fn generate_blobs(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random binary blobs, signed.
    #[rpc(name = "generateSignedBlobs", raw_params)]
    async fn generate_signed_blobs(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Tells the status and what is left of an API key's daily allowance.
    #[rpc(name = "getUsage", raw_params)]
    async fn get_usage(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Gives a kept signed result again, by its serial number. Not billed.
    #[rpc(name = "getResult", raw_params)]
    async fn get_result(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Creates tickets, each to be used by one signed request.
    #[rpc(name = "createTickets", raw_params)]
    async fn create_tickets(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Reveals the results of a ticket chain.
    #[rpc(name = "revealTickets", raw_params)]
    async fn reveal_tickets(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Lists a key's tickets of one type (singleton, head or tail).
    #[rpc(name = "listTickets", raw_params)]
    async fn list_tickets(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Gives a ticket and, once used, its signed result.
    #[rpc(name = "getTicket", raw_params)]
    async fn get_ticket(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;

    /// Verifies a signed result's signature.
    #[rpc(name = "verifySignature", raw_params)]
    fn verify_signature(&self, params: Params4) -> Result<OrderedJson, ErrorObject>;
}
