//! Release 1 defined once, as a trait with `#[jrpc::rpc]`: `Release1Server::into_methods`
//! registers it on randomd's server (with the doc comments below as the OpenRPC summaries, which
//! `describe` completes with the reference's ranges, errors and examples), and `Release1Client`
//! gives Rust programs a typed client of any Release 1 server over every transport
//! `jrpc::client::Client` speaks.
//!
//! The params types read themselves from the call (`FromCall`), in the reference's order of checks
//! and with RANDOM.ORG's error codes rather than serde's -32602, and write themselves as the same
//! params object for the client. Results keep their members in the reference's order.

use jrpc::ErrorObject;

use super::{GeneratorParams, UsageParams, VerifyParams};
use crate::ordered_json::OrderedJson;

/// RANDOM.ORG's JSON-RPC API, Release 1: basic and signed generators, usage and verification.
#[jrpc::rpc]
pub trait Release1 {
    /// Generates true random integers in [min, max].
    #[rpc(name = "generateIntegers", raw_params)]
    async fn generate_integers(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random integers in [min, max], signed.
    #[rpc(name = "generateSignedIntegers", raw_params)]
    async fn generate_signed_integers(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random decimal fractions, uniform on [0, 1).
    #[rpc(name = "generateDecimalFractions", raw_params)]
    async fn generate_decimal_fractions(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random decimal fractions, uniform on [0, 1), signed.
    #[rpc(name = "generateSignedDecimalFractions", raw_params)]
    async fn generate_signed_decimal_fractions(
        &self,
        params: GeneratorParams,
    ) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random numbers from a Gaussian distribution.
    #[rpc(name = "generateGaussians", raw_params)]
    async fn generate_gaussians(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random numbers from a Gaussian distribution, signed.
    #[rpc(name = "generateSignedGaussians", raw_params)]
    async fn generate_signed_gaussians(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random strings from the given characters.
    #[rpc(name = "generateStrings", raw_params)]
    async fn generate_strings(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random strings from the given characters, signed.
    #[rpc(name = "generateSignedStrings", raw_params)]
    async fn generate_signed_strings(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random version 4 UUIDs.
    #[rpc(name = "generateUUIDs", raw_params)]
    async fn generate_uuids(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random version 4 UUIDs, signed.
    #[rpc(name = "generateSignedUUIDs", raw_params)]
    async fn generate_signed_uuids(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random binary blobs.
    #[rpc(name = "generateBlobs", raw_params)]
    async fn generate_blobs(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Generates true random binary blobs, signed.
    #[rpc(name = "generateSignedBlobs", raw_params)]
    async fn generate_signed_blobs(&self, params: GeneratorParams) -> Result<OrderedJson, ErrorObject>;

    /// Tells the status and what is left of an API key's daily allowance.
    #[rpc(name = "getUsage", raw_params, result = "usage")]
    async fn get_usage(&self, params: UsageParams) -> Result<OrderedJson, ErrorObject>;

    /// Verifies a signed result's signature.
    #[rpc(name = "verifySignature", raw_params, result = "verification")]
    fn verify_signature(&self, params: VerifyParams) -> Result<OrderedJson, ErrorObject>;
}
