//! `#[document_limits]`: the limits the server validates with are the limits the document states.
//!
//! Put it above the `#[derive(...)]` of a struct that derives `Validate` together with
//! `ToSchema` and/or `IntoParams`. For every field it reads the `#[validate(...)]` attribute
//! (the declaration the server checks requests with) and adds the same limits as
//! `#[schema(...)]` / `#[param(...)]` features, so utoipa writes them into the OpenAPI document:
//!
//! | `#[validate(...)]`             | on a string               | on a list (`Vec`, sets)  |
//! |--------------------------------|---------------------------|--------------------------|
//! | `length(min = a, max = b)`     | `minLength`, `maxLength`  | `minItems`, `maxItems`   |
//! | `length(equal = n)`            | both `n`                  | both `n`                 |
//! | `range(min = a, max = b)`      | `minimum`, `maximum`      |                          |
//! | `url`                          | `format: uri`             |                          |
//! | `email`                        | `format: email`           |                          |
//!
//! A limit written by hand a second time in `#[schema]`/`#[param]` is a compile error: one
//! declaration, never two that can drift apart.
use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, Fields, GenericArgument, Meta, PathArguments, Token, Type,
};

#[proc_macro_attribute]
pub fn document_limits(args: TokenStream, input: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return syn::Error::new(
            Tokens::from(args).span(),
            "#[document_limits] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut item = syn::parse_macro_input!(input as DeriveInput);
    match expand(&mut item) {
        Ok(()) => quote!(#item).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(item: &mut DeriveInput) -> syn::Result<()> {
    let derives = derived_traits(&item.attrs)?;
    let schema = derives.iter().any(|d| d == "ToSchema");
    let param = derives.iter().any(|d| d == "IntoParams");
    if !schema && !param {
        return Err(syn::Error::new(
            item.ident.span(),
            "#[document_limits] goes above a #[derive(...)] with ToSchema or IntoParams",
        ));
    }
    let Data::Struct(data) = &mut item.data else {
        return Err(syn::Error::new(
            item.ident.span(),
            "#[document_limits] is for structs",
        ));
    };
    let Fields::Named(fields) = &mut data.fields else {
        return Err(syn::Error::new(
            item.ident.span(),
            "#[document_limits] needs named fields",
        ));
    };
    for field in fields.named.iter_mut() {
        let features = features_of(&field.attrs, is_list(&field.ty))?;
        if features.is_empty() {
            continue;
        }
        for hand in ["schema", "param"] {
            if let Some(twice) = hand_written(&field.attrs, hand, &features) {
                return Err(syn::Error::new(
                    twice.1,
                    format!(
                        "`{}` is already declared by #[validate]; #[document_limits] puts it in the \
                         document, remove it from #[{hand}(...)]",
                        twice.0
                    ),
                ));
            }
        }
        let list: Vec<Tokens> = features.iter().map(|(_, tokens)| tokens.clone()).collect();
        if schema {
            field.attrs.push(syn::parse_quote!(#[schema(#(#list),*)]));
        }
        if param {
            field.attrs.push(syn::parse_quote!(#[param(#(#list),*)]));
        }
    }
    Ok(())
}

/// The last path segment of every trait in the item's `#[derive(...)]` attributes.
fn derived_traits(attrs: &[Attribute]) -> syn::Result<Vec<String>> {
    let mut names = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let paths = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)?;
        names.extend(
            paths
                .iter()
                .filter_map(|p| p.segments.last())
                .map(|s| s.ident.to_string()),
        );
    }
    Ok(names)
}

/// `Option<T>` is `T`; a `Vec`, a set or a map is a list (its length counts items).
fn is_list(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    if name == "Option" {
        if let PathArguments::AngleBracketed(args) = &last.arguments
            && let Some(GenericArgument::Type(inner)) = args.args.first()
        {
            return is_list(inner);
        }
        return false;
    }
    matches!(name.as_str(), "Vec" | "HashSet" | "BTreeSet" | "IndexSet")
}

/// The utoipa features (name, tokens) that state the field's `#[validate(...)]` limits.
fn features_of(attrs: &[Attribute], list: bool) -> syn::Result<Vec<(&'static str, Tokens)>> {
    let mut features = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("validate")) {
        let rules = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
        for rule in rules {
            let name = rule
                .path()
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match (name.as_str(), &rule) {
                ("length", Meta::List(bounds)) => {
                    let (min_name, max_name) = if list {
                        ("min_items", "max_items")
                    } else {
                        ("min_length", "max_length")
                    };
                    for (key, value) in bounds_of(bounds)? {
                        match key.as_str() {
                            "min" => features.push(feature(min_name, &value)),
                            "max" => features.push(feature(max_name, &value)),
                            "equal" => {
                                features.push(feature(min_name, &value));
                                features.push(feature(max_name, &value));
                            }
                            other => return Err(unknown(&rule, other)),
                        }
                    }
                }
                ("range", Meta::List(bounds)) => {
                    for (key, value) in bounds_of(bounds)? {
                        match key.as_str() {
                            "min" => features.push(feature("minimum", &value)),
                            "max" => features.push(feature("maximum", &value)),
                            "exclusive_min" => features.push(feature("exclusive_minimum", &value)),
                            "exclusive_max" => features.push(feature("exclusive_maximum", &value)),
                            other => return Err(unknown(&rule, other)),
                        }
                    }
                }
                ("url", Meta::Path(_)) => features.push(("format", quote!(format = "uri"))),
                ("email", Meta::Path(_)) => features.push(("format", quote!(format = Email))),
                // Rules with no JSON Schema keyword: stated in the field's description.
                (
                    "nested" | "custom" | "required" | "must_match" | "contains"
                    | "does_not_contain",
                    _,
                )
                | ("regex", _) => {}
                _ => return Err(unknown(&rule, &name)),
            }
        }
    }
    Ok(features)
}

fn bounds_of(bounds: &syn::MetaList) -> syn::Result<Vec<(String, Expr)>> {
    let pairs =
        bounds.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated)?;
    pairs
        .into_iter()
        .map(|pair| {
            let key = pair
                .path
                .get_ident()
                .map(|i| i.to_string())
                .ok_or_else(|| {
                    syn::Error::new(pair.path.span(), "a bound is `min`, `max` or `equal`")
                })?;
            Ok((key, pair.value))
        })
        .collect()
}

fn feature(name: &'static str, value: &Expr) -> (&'static str, Tokens) {
    let ident = syn::Ident::new(name, value.span());
    (name, quote!(#ident = #value))
}

fn unknown(rule: &Meta, what: &str) -> syn::Error {
    syn::Error::new(
        rule.span(),
        format!(
            "#[document_limits] does not know how to document `{what}`; add it to macros/src/lib.rs"
        ),
    )
}

/// A feature of `features` that the field also declares by hand in `#[schema]`/`#[param]`.
fn hand_written(
    attrs: &[Attribute],
    kind: &str,
    features: &[(&'static str, Tokens)],
) -> Option<(&'static str, proc_macro2::Span)> {
    for attr in attrs.iter().filter(|a| a.path().is_ident(kind)) {
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        for token in list.tokens.clone() {
            if let proc_macro2::TokenTree::Ident(ident) = token
                && let Some((name, _)) = features.iter().find(|(name, _)| ident == name)
            {
                return Some((name, ident.span()));
            }
        }
    }
    None
}
