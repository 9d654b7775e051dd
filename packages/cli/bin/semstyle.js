#!/usr/bin/env node
// A committed shim so npm can link the bin at install time, before `prepare` builds dist/.
import '../dist/cli.js';
