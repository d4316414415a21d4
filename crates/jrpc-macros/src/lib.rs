//! `#[jrpc::rpc]`: a JSON-RPC API defined once, as a trait, for both sides.
//!
//! From a trait `Api` it generates, next to the trait itself:
//! - `ApiServer`: `ApiServer::into_methods(implementor)` registers every method into a
//!   `jrpc::Methods` (params named after the signature's arguments, sync or async as the `fn` is),
//!   described for `rpc.discover`; `ApiServer::docs()` gives the descriptions alone;
//! - `ApiClient`: an extension trait of `jrpc::client::Client` with one typed method per RPC method.
//!
//! Use it through `jrpc` (`#[jrpc::rpc]`, feature `macros`, on by default); the generated code
//! names `::jrpc`.

use std::collections::HashMap;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, Ident, ItemTrait, Lit, LitStr, Meta, Pat,
    PathArguments, ReturnType, TraitItem, TraitItemFn, Type,
};

/// Defines a JSON-RPC API as a trait; see the crate's documentation and jrpc's README.
///
/// Method attributes, inside `#[rpc(...)]`: `name = "..."` (the JSON-RPC name, by default the
/// `fn`'s), `notification` (the client sends it without an id), `raw_params` (one argument that
/// stands for the whole params: `jrpc::Params`, any params read by the method, with a client method
/// that sends anything serializable; or a type of your own that reads itself from the call with
/// `jrpc::server::FromCall`, with its own checks and error codes, and that the client method takes
/// and sends with serde's `Serialize`), `result = "..."` (the result's name in the OpenRPC
/// document), and `subscription = "notification method", item = T, unsubscribe = "..."`.
#[proc_macro_attribute]
pub fn rpc(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = TokenStream2::from(attr);
    let result = if attr.is_empty() {
        syn::parse::<ItemTrait>(item).and_then(expand)
    } else {
        Err(syn::Error::new(
            attr.span(),
            "#[jrpc::rpc] takes no arguments: it generates the server and the client",
        ))
    };
    result.unwrap_or_else(syn::Error::into_compile_error).into()
}

/// What one `#[rpc(...)]` attribute on a method says.
#[derive(Default)]
struct MethodAttrs {
    name: Option<LitStr>,
    notification: bool,
    raw_params: bool,
    result: Option<LitStr>,
    subscription: Option<LitStr>,
    item: Option<Type>,
    unsubscribe: Option<LitStr>,
}

struct Param {
    name: Ident,
    ty: Type,
}

struct Method {
    ident: Ident,
    rpc_name: String,
    name_span: Span,
    attrs: MethodAttrs,
    is_async: bool,
    params: Vec<Param>,
    output: Option<Type>,
    docs: Vec<String>,
}

fn expand(mut input: ItemTrait) -> syn::Result<TokenStream2> {
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[jrpc::rpc] does not support generic traits: name concrete types",
        ));
    }
    let mut methods = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_error = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    for item in &mut input.items {
        match item {
            TraitItem::Fn(function) => match method(function) {
                Ok(method) => methods.push(method),
                Err(error) => push_error(error),
            },
            other => push_error(syn::Error::new(
                other.span(),
                "#[jrpc::rpc] traits hold only methods (`fn name(&self, ...)`)",
            )),
        }
    }
    let mut seen: HashMap<String, String> = HashMap::new();
    for method in &methods {
        let mut names = vec![(method.rpc_name.clone(), method.name_span)];
        if let Some(unsubscribe) = &method.attrs.unsubscribe {
            names.push((unsubscribe.value(), unsubscribe.span()));
        }
        for (name, span) in names {
            if name.starts_with("rpc.") {
                push_error(syn::Error::new(
                    span,
                    format!("`{name}`: names beginning with `rpc.` are reserved (spec 8)"),
                ));
            }
            if let Some(first) = seen.insert(name.clone(), method.ident.to_string()) {
                push_error(syn::Error::new(
                    span,
                    format!("duplicate JSON-RPC method name `{name}` (also used by `fn {first}`)"),
                ));
            }
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    rewrite_trait(&mut input, &methods);
    let server = server(&input, &methods);
    let client = client(&input, &methods);
    let checks = checks(&input, &methods);
    Ok(quote! {
        #input
        #server
        #client
        #checks
    })
}

/// Reads one trait method and strips its `#[rpc]` attributes.
fn method(function: &mut TraitItemFn) -> syn::Result<Method> {
    let attrs = method_attrs(&mut function.attrs)?;
    let sig = &function.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "#[jrpc::rpc] methods cannot be generic or take lifetimes: params are owned, concrete types",
        ));
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(receiver))
            if receiver.reference.is_some()
                && receiver.mutability.is_none()
                && receiver.colon_token.is_none() => {}
        _ => {
            return Err(syn::Error::new(
                sig.span(),
                format!(
                    "`fn {}` must take `&self` first: the server shares one implementor among all calls",
                    sig.ident
                ),
            ))
        }
    }
    let mut params = Vec::new();
    for input in inputs {
        let FnArg::Typed(typed) = input else {
            return Err(syn::Error::new(input.span(), "unexpected receiver"));
        };
        let Pat::Ident(pat) = &*typed.pat else {
            return Err(syn::Error::new(
                typed.pat.span(),
                "a param must be a plain name (it is the param's JSON-RPC name)",
            ));
        };
        if let Some(lifetime) = find_lifetime(&typed.ty) {
            return Err(syn::Error::new(
                lifetime,
                "#[jrpc::rpc] params cannot borrow: use an owned type (String, Vec<T>...)",
            ));
        }
        params.push(Param {
            name: pat.ident.clone(),
            ty: (*typed.ty).clone(),
        });
    }
    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => {
            if let Some(lifetime) = find_lifetime(ty) {
                return Err(syn::Error::new(
                    lifetime,
                    "#[jrpc::rpc] results cannot borrow: return an owned type",
                ));
            }
            Some((**ty).clone())
        }
    };
    if attrs.raw_params && params.len() != 1 {
        return Err(syn::Error::new(
            sig.span(),
            "a `raw_params` method takes exactly one argument after `&self`: `params: jrpc::Params`, or a type that implements FromCall and Serialize",
        ));
    }
    if attrs.subscription.is_some() != attrs.unsubscribe.is_some()
        || attrs.subscription.is_some() != attrs.item.is_some()
    {
        return Err(syn::Error::new(
            sig.span(),
            "a subscription needs all three: #[rpc(subscription = \"notification method\", item = Type, unsubscribe = \"method\")]",
        ));
    }
    if attrs.subscription.is_some() && (attrs.notification || attrs.raw_params) {
        return Err(syn::Error::new(
            sig.span(),
            "a subscription cannot also be a notification or take raw params",
        ));
    }
    let (rpc_name, name_span) = match &attrs.name {
        Some(name) => (name.value(), name.span()),
        None => (sig.ident.to_string(), sig.ident.span()),
    };
    Ok(Method {
        ident: sig.ident.clone(),
        rpc_name,
        name_span,
        is_async: sig.asyncness.is_some(),
        params,
        output,
        docs: docs(&function.attrs),
        attrs,
    })
}

fn method_attrs(attrs: &mut Vec<Attribute>) -> syn::Result<MethodAttrs> {
    let mut out = MethodAttrs::default();
    let mut kept = Vec::new();
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("rpc") {
            kept.push(attr);
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "name" => out.name = Some(meta.value()?.parse()?),
                "result" => out.result = Some(meta.value()?.parse()?),
                "subscription" => out.subscription = Some(meta.value()?.parse()?),
                "unsubscribe" => out.unsubscribe = Some(meta.value()?.parse()?),
                "item" => out.item = Some(meta.value()?.parse()?),
                "notification" => out.notification = true,
                "raw_params" => out.raw_params = true,
                _ => {
                    return Err(meta.error(
                        "unknown #[rpc] setting; expected name, notification, raw_params, result, subscription, item or unsubscribe",
                    ))
                }
            }
            Ok(())
        })?;
    }
    *attrs = kept;
    Ok(out)
}

/// The doc comment's lines, trimmed.
fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text), ..
                }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The summary (the first paragraph) and the description (the rest), each joined into one line.
fn summary_and_description(lines: &[String]) -> (Option<String>, Option<String>) {
    let paragraphs: Vec<String> = lines
        .split(|line| line.is_empty())
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| paragraph.join(" "))
        .collect();
    let summary = paragraphs.first().cloned();
    let description = (paragraphs.len() > 1).then(|| paragraphs[1..].join("\n\n"));
    (summary, description)
}

fn find_lifetime(ty: &Type) -> Option<Span> {
    struct Finder(Option<Span>);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            self.0.get_or_insert(lifetime.span());
        }
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            self.0.get_or_insert(reference.and_token.span);
        }
    }
    let mut finder = Finder(None);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// Whether a `raw_params` argument is `jrpc::Params` (any params), by its last path segment.
fn is_any_params(ty: &Type) -> bool {
    matches!(ty, Type::Path(path)
        if path.qself.is_none()
            && path.path.segments.last().is_some_and(|last| last.ident == "Params" && last.arguments.is_empty()))
}

/// `Result<T, E>`'s `T`, or the type itself; `()` when there is none.
fn ok_type(output: &Option<Type>) -> Type {
    let Some(ty) = output else {
        return syn::parse_quote!(());
    };
    if let Type::Path(path) = ty {
        if let Some(last) = path.path.segments.last() {
            if last.ident == "Result" {
                if let PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(GenericArgument::Type(ok)) = args.args.first() {
                        return ok.clone();
                    }
                }
            }
        }
    }
    ty.clone()
}

/// The trait as implementors see it: `Send + Sync + 'static`, async methods returning `Send`
/// futures, subscriptions given their sink, and `into_methods`.
fn rewrite_trait(input: &mut ItemTrait, methods: &[Method]) {
    input.supertraits.push(syn::parse_quote!(::core::marker::Send));
    input.supertraits.push(syn::parse_quote!(::core::marker::Sync));
    input.supertraits.push(syn::parse_quote!('static));
    let mut index = 0;
    for item in &mut input.items {
        let TraitItem::Fn(function) = item else { continue };
        let method = &methods[index];
        index += 1;
        if let Some(item_ty) = &method.attrs.item {
            let sink: FnArg = syn::parse_quote!(sink: ::jrpc::subscription::Sink<#item_ty>);
            function.sig.inputs.insert(1, sink);
        }
        if function.sig.asyncness.take().is_some() {
            let output = match &function.sig.output {
                ReturnType::Default => quote!(()),
                ReturnType::Type(_, ty) => quote!(#ty),
            };
            function.sig.output = syn::parse_quote!(
                -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
            );
            if let Some(block) = &mut function.default {
                *block = syn::parse_quote!({ async move #block });
            }
        }
    }
    let server = format_ident!("{}Server", input.ident);
    input.items.push(syn::parse_quote! {
        /// Registers this implementor's methods, described for `rpc.discover`.
        fn into_methods(self) -> ::jrpc::Methods
        where
            Self: ::core::marker::Sized,
        {
            #server::into_methods(self)
        }
    });
}

fn server(input: &ItemTrait, methods: &[Method]) -> TokenStream2 {
    let vis = &input.vis;
    let api = &input.ident;
    let server = format_ident!("{}Server", input.ident);
    let registrations = methods.iter().map(registration);
    let docs = methods.iter().map(method_docs);
    let has_subscriptions = methods.iter().any(|method| method.attrs.item.is_some());
    let subscriptions =
        has_subscriptions.then(|| quote!(let subscriptions = ::jrpc::subscription::Subscriptions::new();));
    let doc = format!("The server side of [`{api}`]: its methods' registration and OpenRPC descriptions.");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        #vis struct #server;

        impl #server {
            /// Registers every method of `api` into a new registry, each described for
            /// `rpc.discover`. Merge it into another registry with `Methods::merge`.
            #vis fn into_methods<T: #api>(api: T) -> ::jrpc::Methods {
                let api = ::std::sync::Arc::new(api);
                let mut methods = ::jrpc::Methods::new();
                #subscriptions
                #(#registrations)*
                for (name, doc) in Self::docs() {
                    methods.describe(name, doc);
                }
                methods
            }

            /// The OpenRPC description of each method (from the doc comments and the types),
            /// by name: a starting point to add errors and examples to.
            #vis fn docs() -> ::std::vec::Vec<(&'static str, ::jrpc::server::MethodDoc)> {
                ::std::vec![#(#docs),*]
            }

            /// The description of the method `name`, if the API has one.
            #vis fn doc(name: &str) -> ::core::option::Option<::jrpc::server::MethodDoc> {
                Self::docs().into_iter().find(|(known, _)| *known == name).map(|(_, doc)| doc)
            }
        }
    }
}

fn registration(method: &Method) -> TokenStream2 {
    let ident = &method.ident;
    let name = &method.rpc_name;
    let names: Vec<String> = method.params.iter().map(|p| p.name.to_string()).collect();
    let args: Vec<&Ident> = method.params.iter().map(|p| &p.name).collect();
    let tys: Vec<&Type> = method.params.iter().map(|p| &p.ty).collect();
    let register = if method.is_async {
        quote!(async_method)
    } else {
        quote!(method)
    };
    let await_ = method.is_async.then(|| quote!(.await));
    if method.attrs.raw_params {
        let arg = &method.params[0].name;
        let ty = &method.params[0].ty;
        // Evaluated where the registration is compiled: a type that would refuse every params.
        let reads = quote_spanned!(ty.span()=> ::jrpc::__private::assert_raw_params::<#ty>(););
        return if method.is_async {
            quote! {{
                #reads
                let api = ::std::sync::Arc::clone(&api);
                methods.async_method(#name, [], move |#arg: #ty| {
                    let api = ::std::sync::Arc::clone(&api);
                    async move { api.#ident(#arg).await }
                });
            }}
        } else {
            quote! {{
                #reads
                let api = ::std::sync::Arc::clone(&api);
                methods.method(#name, [], move |#arg: #ty| api.#ident(#arg));
            }}
        };
    }
    if let (Some(notification), Some(item), Some(unsubscribe)) = (
        &method.attrs.subscription,
        &method.attrs.item,
        &method.attrs.unsubscribe,
    ) {
        let body = quote! {
            let sink = subscriptions.sink::<#item>(peer, #notification);
            let id = ::std::string::String::from(sink.id());
            ::jrpc::server::IntoResult::into_result(api.#ident(sink, #(#args),*) #await_)
                .map(move |_| id)
        };
        let subscribe = if method.is_async {
            quote! {
                methods.async_method(#name, [#(#names),*], move |peer: ::jrpc::transport::Peer, #(#args: #tys),*| {
                    let api = ::std::sync::Arc::clone(&api);
                    let subscriptions = subscriptions.clone();
                    async move { #body }
                });
            }
        } else {
            quote! {
                methods.method(#name, [#(#names),*], move |peer: ::jrpc::transport::Peer, #(#args: #tys),*| {
                    #body
                });
            }
        };
        return quote! {{
            let api = ::std::sync::Arc::clone(&api);
            {
                let subscriptions = subscriptions.clone();
                #subscribe
            }
            let subscriptions = subscriptions.clone();
            methods.method(#unsubscribe, ["subscription"], move |subscription: ::std::string::String| {
                subscriptions.cancel(&subscription)
            });
        }};
    }
    if method.is_async {
        quote! {{
            let api = ::std::sync::Arc::clone(&api);
            methods.#register(#name, [#(#names),*], move |#(#args: #tys),*| {
                let api = ::std::sync::Arc::clone(&api);
                async move { api.#ident(#(#args),*) #await_ }
            });
        }}
    } else {
        quote! {{
            let api = ::std::sync::Arc::clone(&api);
            methods.#register(#name, [#(#names),*], move |#(#args: #tys),*| api.#ident(#(#args),*));
        }}
    }
}

fn method_docs(method: &Method) -> TokenStream2 {
    let name = &method.rpc_name;
    let (summary, mut description) = summary_and_description(&method.docs);
    if let (Some(notification), Some(item)) = (&method.attrs.subscription, &method.attrs.item) {
        let note = format!(
            "A subscription: its result is a subscription id; then each item of type `{}` comes as a \
             `{}` notification with params {{\"subscription\": id, \"result\": item}}, until `{}` is \
             called with the id.",
            quote!(#item).to_string().replace(' ', ""),
            notification.value(),
            method
                .attrs
                .unsubscribe
                .as_ref()
                .map(LitStr::value)
                .unwrap_or_default()
        );
        description = Some(match description {
            Some(text) => format!("{text}\n\n{note}"),
            None => note,
        });
    }
    let summary = summary.map(|text| quote!(.summary(#text)));
    let description = description.map(|text| quote!(.description(#text)));
    let params = if method.attrs.raw_params {
        Vec::new()
    } else {
        method
            .params
            .iter()
            .map(|param| {
                let name = param.name.to_string();
                let ty = &param.ty;
                quote!(.param(#name, ::jrpc::schema_source!(#ty)))
            })
            .collect()
    };
    let result_name = match (&method.attrs.result, &method.attrs.subscription) {
        (Some(name), _) => name.value(),
        (None, Some(_)) => "subscription".to_owned(),
        (None, None) => "result".to_owned(),
    };
    let result_ty = if method.attrs.subscription.is_some() {
        syn::parse_quote!(::std::string::String)
    } else {
        ok_type(&method.output)
    };
    let mut doc = quote! {
        ::jrpc::server::MethodDoc::new()
            #summary
            #description
            #(#params)*
            .result(#result_name, ::jrpc::schema_source!(#result_ty))
    };
    let mut entries = vec![quote!((#name, #doc))];
    if let Some(unsubscribe) = &method.attrs.unsubscribe {
        let text = format!("Ends a `{name}` subscription; true if it was open.");
        doc = quote! {
            ::jrpc::server::MethodDoc::new()
                .summary(#text)
                .param("subscription", ::jrpc::schema_source!(::std::string::String))
                .result("unsubscribed", ::jrpc::schema_source!(bool))
        };
        entries.push(quote!((#unsubscribe, #doc)));
    }
    quote!(#(#entries),*)
}

fn client(input: &ItemTrait, methods: &[Method]) -> TokenStream2 {
    let vis = &input.vis;
    let api = &input.ident;
    let client = format_ident!("{}Client", input.ident);
    let mut declarations = Vec::new();
    let mut definitions = Vec::new();
    for method in methods {
        let ident = &method.ident;
        let name = &method.rpc_name;
        let docs: Vec<&String> = method.docs.iter().collect();
        let doc_attrs = quote!(#(#[doc = #docs])*);
        let args: Vec<&Ident> = method.params.iter().map(|p| &p.name).collect();
        let tys: Vec<&Type> = method.params.iter().map(|p| &p.ty).collect();
        let params = if args.is_empty() {
            quote!(&())
        } else {
            quote!((#(#args,)*))
        };
        let (signature, body) = if method.attrs.raw_params {
            let arg = &method.params[0].name;
            let ty = &method.params[0].ty;
            let output = ok_type(&method.output);
            let sending = if method.attrs.notification {
                (
                    quote!(::core::result::Result<(), ::jrpc::client::Error>),
                    quote!(self.notify(#name, #arg).await),
                )
            } else {
                (
                    quote!(::core::result::Result<#output, ::jrpc::client::Error>),
                    quote!(self.call(#name, #arg).await),
                )
            };
            let (output, body) = sending;
            let signature = if is_any_params(ty) {
                // `jrpc::Params` is the server's view of any params: the client sends anything.
                quote! {
                    fn #ident<P: ::jrpc::__private::Serialize + ::core::marker::Send + 'static>(&self, #arg: P)
                        -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
                }
            } else {
                quote! {
                    fn #ident(&self, #arg: #ty)
                        -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
                }
            };
            (signature, body)
        } else {
            let (output, body) = if let (Some(notification), Some(item), Some(unsubscribe)) = (
                &method.attrs.subscription,
                &method.attrs.item,
                &method.attrs.unsubscribe,
            ) {
                (
                    quote!(::core::result::Result<::jrpc::client::Subscription<#item>, ::jrpc::client::Error>),
                    quote!(self.subscribe(#name, #params, #notification, #unsubscribe).await),
                )
            } else if method.attrs.notification {
                (
                    quote!(::core::result::Result<(), ::jrpc::client::Error>),
                    quote!(self.notify(#name, #params).await),
                )
            } else {
                let ok = ok_type(&method.output);
                (
                    quote!(::core::result::Result<#ok, ::jrpc::client::Error>),
                    quote!(self.call(#name, #params).await),
                )
            };
            (
                quote! {
                    fn #ident(&self, #(#args: #tys),*)
                        -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
                },
                body,
            )
        };
        declarations.push(quote! {
            #doc_attrs
            #signature;
        });
        definitions.push(quote! {
            #signature {
                async move { #body }
            }
        });
    }
    let doc = format!(
        "The client side of [`{api}`]: its methods on `jrpc::client::Client`, over any transport the \
         client supports. Bring it into scope (`use ...::{client};`) and call `client.method(...)`."
    );
    quote! {
        #[doc = #doc]
        #vis trait #client {
            #(#declarations)*
        }

        impl #client for ::jrpc::client::Client {
            #(#definitions)*
        }
    }
}

/// Compile-time checks whose errors point at the user's types: each param and result must be
/// serializable both ways.
fn checks(input: &ItemTrait, methods: &[Method]) -> TokenStream2 {
    let mut asserts = Vec::new();
    for method in methods {
        if method.attrs.raw_params {
            // That the server can read it is checked where it is registered (`assert_raw_params`).
            let ty = &method.params[0].ty;
            if !is_any_params(ty) {
                asserts.push(quote_spanned!(ty.span()=> ::jrpc::__private::assert_raw_params_out::<#ty>();));
            }
        } else {
            for param in &method.params {
                let ty = &param.ty;
                asserts.push(quote_spanned!(ty.span()=> ::jrpc::__private::assert_param::<#ty>();));
            }
        }
        if let Some(item) = &method.attrs.item {
            asserts.push(quote_spanned!(item.span()=> ::jrpc::__private::assert_result::<#item>();));
        } else if let Some(output) = &method.output {
            let ok = ok_type(&method.output);
            asserts.push(quote_spanned!(output.span()=> ::jrpc::__private::assert_result::<#ok>();));
        }
    }
    let name = format_ident!("__jrpc_rpc_checks_{}", input.ident);
    quote! {
        #[allow(non_snake_case, dead_code)]
        fn #name() {
            #(#asserts)*
        }
    }
}
