//! Kinderen Eerst: the API of the OCMW programme against child poverty through schools.

pub mod api;
pub mod auth;
pub mod backup;
pub mod config;
pub mod copy;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod retention;
pub mod seed;
pub mod startup;
pub mod state;
pub mod usecases;
pub mod webhooks;
