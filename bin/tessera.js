#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled dist/main.js (built by `npm install`).
import '../dist/main.js';
