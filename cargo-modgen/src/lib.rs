//! modgen core: manifest + protos → model → emitters → FileSet. No I/O beyond reading inputs.
