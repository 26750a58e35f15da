/** The operator's page's script: its element only (uPlot stays out of the other pages). */
import './page.css';
import './rk-ops/rk-ops.js';
